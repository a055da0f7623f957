"""`python -m addin` runs the `denialdesk` command line."""

from addin.cli import cli

if __name__ == "__main__":
    cli()
