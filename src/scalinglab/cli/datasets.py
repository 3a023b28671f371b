"""``scalinglab datasets list|show``: bundled public data with provenance."""

from __future__ import annotations

import typer

from ..datasets.options import SHOW
from ._common import JsonOption, api, console, print_json, table
from .declared import with_options


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Bundled public datasets with provenance.", no_args_is_help=True)
    app.add_typer(group, name="datasets")

    @group.command("list")
    def list_command(as_json: JsonOption = False) -> None:
        """List bundled datasets (usable by name wherever a file is accepted)."""
        from ..datasets import list_datasets

        infos = list_datasets()
        if as_json:
            print_json([info.to_dict() for info in infos])
            return
        rows = [[i.name, i.rows, i.file, i.source.citation] for i in infos]
        console.print(table("Bundled datasets", ["name", "rows", "file", "source"], rows))

    @group.command("show")
    @with_options(SHOW)
    def show_command(as_json: JsonOption = False, **options) -> None:
        """Show a dataset's provenance, checksum, columns and first rows."""
        from ..datasets import read_bundled

        options = SHOW.check(options)
        info, head = api.datasets.get(options["name"]).raw, options["head"]
        frame = read_bundled(info.name)
        if as_json:
            if head is not None:
                from ..errors import InputError

                raise InputError("--head previews rows in the table; --json gives the columns, not rows")
            print_json({**info.to_dict(), "column_names": list(frame.columns)})
            return
        console.print(info.report(), markup=False)
        console.print(f"{len(frame)} rows; columns: {', '.join(map(str, frame.columns))}", markup=False)
        preview = frame.head(5 if head is None else head)
        console.print(table(None, [str(c) for c in preview.columns][:8], preview.iloc[:, :8].astype(str).values.tolist()))
