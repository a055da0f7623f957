"""DenialDesk: catch, explain, appeal and track claim denials from one shared Excel workbook."""

__version__ = "0.1.0"
