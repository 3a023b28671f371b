"""Defaults that the command line needs before it imports any science (``import scalinglab`` stays fast)."""

DEFAULT_LAW = "besiroglu2024"
"""The default for planning: Epoch's replication of Chinchilla's Approach 3 (arXiv:2404.10102), which
agrees with Approaches 1 and 2 (about 20 tokens per parameter) where the published Approach 3 fit
(``hoffmann2022``) does not."""
