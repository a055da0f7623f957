"""`addin.actions` names its button functions, whichever of its modules were imported first."""

import importlib

from addin import actions


def test_each_button_name_is_the_function_even_after_its_module_was_imported():
    for name in (
        "import_remittances",
        "classify_and_prioritize",
        "generate_letters",
        "refresh_kpis",
    ):
        home = importlib.import_module(f"addin.actions.{actions._HOMES[name]}")
        assert getattr(actions, name) is getattr(home, name)
        assert callable(getattr(actions, name)) and not hasattr(getattr(actions, name), "__path__")
