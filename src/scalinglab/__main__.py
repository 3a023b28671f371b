from scalinglab.cli.app import main

main()
