"""Run the command-line interface: ``python -m emulator``."""

from emulator.cli import main

if __name__ == "__main__":
    main()
