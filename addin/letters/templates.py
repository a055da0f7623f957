"""Letter templates: which one a denial gets, the built-in and the practice's files, and the
sandboxed Jinja that renders them."""

from __future__ import annotations

import _thread
import contextlib
import io
import operator
import re
import threading
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2 import TemplateError as JinjaError
from jinja2.compiler import CodeGenerator
from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from addin.errors import TemplateError
from addin.letters.context import FILTERS
from addin.letters.kinds import PAYER_APPEAL
from addin.letters.open_fields import mark_rendered
from addin.letters.packages import TemplatePackage
from addin.workbook import limits
from addin.workbook.layout import PAYERS, SETTINGS, Col, S

# Before letters were chosen by remedy and plan, a template per denial category. A practice's
# own file of one of these names (in its Letter Templates folder) still serves that category's
# commercial appeals (payer_appeal); built-in letters no longer carry these names.
LEGACY_TEMPLATES: dict[str, str] = {
    "medical_necessity": "appeal_medical_necessity",
    "authorization": "appeal_authorization",
    "coding": "appeal_coding",
    "bundling": "appeal_bundling",
    "timely_filing": "appeal_timely_filing",
    "duplicate": "appeal_duplicate",
    "eligibility": "appeal_eligibility_cob",
    "coordination_of_benefits": "appeal_eligibility_cob",
    "documentation": "appeal_documentation",
    "non_covered": "appeal_non_covered",
    "provider_enrollment": "appeal_provider_enrollment",
}
LEGACY_GENERIC = "appeal_reconsideration"
ALL_CATEGORIES = "*"  # key of a choice that applies to every category


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    """A template name and where the choice came from (named in messages)."""

    name: str
    origin: str


def template_name(text: str) -> str:
    """A template as people write it ("My Letter.docx", "appeal_coding") → its name."""
    name = text.strip()
    return name[: -len(".docx")] if name.lower().endswith(".docx") else name


def parse_template_choices(text: object) -> dict[str, str]:
    """`medical_necessity = Our MedNec.docx; coding = x` → {category: name}; a bare name → all.
    A key may also be a built-in letter (`medicare_redetermination = Our MCR`)."""
    choices: dict[str, str] = {}
    for part in re.split(r"[;\n]", str(text or "")):
        if not part.strip():
            continue
        category, sep, name = part.partition("=")
        if sep:
            choices[category.strip().lower().replace(" ", "_")] = template_name(name)
        else:
            choices[ALL_CATEGORIES] = template_name(category)
    return choices


def choose_template(
    category: str,
    *,
    payer: Mapping[str, object] | None,
    practice_choices: object,
    kind: str = PAYER_APPEAL,
    practice_names: Iterable[str] = (),
) -> TemplateChoice:
    """The template for a letter: the payer's choice, else the practice's (by category or by
    built-in letter), else a practice file with a category's former name (commercial appeals
    only), else the built-in letter `kind` (see kinds.py)."""
    payer_name = (payer or {}).get(Col.PAYER) or ""
    candidates = (
        (
            parse_template_choices((payer or {}).get(Col.LETTER_TEMPLATE)),
            f"{PAYERS.sheet} › {Col.LETTER_TEMPLATE} for {payer_name}",
        ),
        (
            parse_template_choices(practice_choices),
            f"{SETTINGS.sheet} › {S.LETTER_TEMPLATES_BY_CATEGORY}",
        ),
    )
    for choices, origin in candidates:
        name = choices.get(category) or choices.get(kind) or choices.get(ALL_CATEGORIES)
        if name:
            return TemplateChoice(name, origin)
    legacy = LEGACY_TEMPLATES.get(category, LEGACY_GENERIC)
    if kind == PAYER_APPEAL and legacy in set(practice_names):
        return TemplateChoice(legacy, "your Letter Templates folder")
    return TemplateChoice(kind, "built-in")


BUILTIN_PACKAGE = "addin.letter_templates"  # the top-level letters/ folder, as package data


class UnknownTemplateError(TemplateError):
    """A template name (chosen on the Payers or Settings sheet) that no file carries."""


class TemplateLimitError(SecurityError):
    """A template asked for more than a letter may cost (a huge range, text or output)."""


FORBIDDEN_TAGS = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _check_text(value: object) -> object:
    if _size(value) > limits.MAX_TEMPLATE_TEXT:
        raise TemplateLimitError(
            f"it builds text longer than {limits.MAX_TEMPLATE_TEXT:,} characters"
        )
    return value


_WIDE_FORMAT = re.compile(r"[%{:][^%{}]*?\d{7,}")  # "%999999999d", "{:>999999999}"


def _check_format(text: object) -> None:
    if isinstance(text, str) and _WIDE_FORMAT.search(text):
        raise TemplateLimitError("its format asks for a field millions of characters wide")


def _checked_filter(function):
    """A filter whose numeric arguments (widths, counts) and result stay within the limits."""

    first = 1 if hasattr(function, "jinja_pass_arg") else 0  # the filtered value's place

    def checked(*args, **kwargs):
        if function.__name__ == "do_format" and args:
            _check_format(args[first])
        for value in (*args[first + 1 :], *kwargs.values()):
            if isinstance(value, int) and abs(value) > limits.MAX_TEMPLATE_TEXT:
                raise TemplateLimitError(f"a filter was given {value:,}")
        return _check_text(function(*args, **kwargs))

    for name in ("environmentfilter", "contextfilter", "evalcontextfilter", "jinja_pass_arg"):
        if hasattr(function, name):
            setattr(checked, name, getattr(function, name))
    return checked


class _LetterCode(CodeGenerator):
    """Jinja's code generator, with every `~` concatenation checked for size (text that
    doubles itself in a loop would otherwise fill memory without writing a character)."""

    def visit_Concat(self, node, frame) -> None:
        self.write("environment.checked_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class _BudgetedTemplate(Template):
    """A template whose output stops at MAX_LETTER_CHARACTERS."""

    def render(self, *args, **kwargs) -> str:
        context = self.new_context(dict(*args, **kwargs))
        parts, total = [], 0
        try:
            for part in self.root_render_func(context):
                total += len(part)
                if total > limits.MAX_LETTER_CHARACTERS:
                    raise TemplateLimitError(
                        f"its letter would be longer than {limits.MAX_LETTER_CHARACTERS:,} "
                        "characters"
                    )
                parts.append(part)
        except Exception:
            self.environment.handle_exception()
        return self.environment.concat(parts)


class LetterEnvironment(SandboxedEnvironment):
    """Jinja for letters: sandboxed (a tampered template cannot reach Python), strict (a
    missing field stops the letter), autoescaped (values are text, never Word XML), and
    limited: no include/import/extends, range() up to MAX_TEMPLATE_RANGE items, text and
    lists built by `*`, `+`, `~` or a filter up to MAX_TEMPLATE_TEXT, a letter up to
    MAX_LETTER_CHARACTERS (limits.py); `LetterTemplates.render` adds the time budget.

    docxtpl compiles a document's XML on every render; the same template always produces the
    same XML, so compiled templates are kept (≈1.4× the letters per second; bench/README.md).
    """

    intercepted_binops = frozenset({"*", "**", "+"})
    code_generator_class = _LetterCode
    template_class = _BudgetedTemplate

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=True)
        self.filters.update(FILTERS)
        self.filters = {name: _checked_filter(f) for name, f in self.filters.items()}
        self.globals["range"] = _letter_range
        self._compiled: dict[str, object] = {}

    def checked_text(self, value: object) -> object:
        return _check_text(value)

    def call_binop(self, context, operator_name: str, left, right):
        if operator_name == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise TemplateLimitError(f"it raises a number to the power {right}")
        if operator_name == "*":
            count = right if isinstance(right, int) else left if isinstance(left, int) else 1
            if (_size(left) + _size(right)) * abs(count) > limits.MAX_TEMPLATE_TEXT:
                raise TemplateLimitError(
                    f"it repeats text or a list past {limits.MAX_TEMPLATE_TEXT:,} characters"
                )
        if operator_name == "+" and _size(left) + _size(right) > limits.MAX_TEMPLATE_TEXT:
            raise TemplateLimitError(
                f"it builds text longer than {limits.MAX_TEMPLATE_TEXT:,} characters"
            )
        return {"*": operator.mul, "**": operator.pow, "+": operator.add}[operator_name](
            left, right
        )

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_format(value.__self__)  # "{:>999999999}".format(…)
        return wrapped

    def from_string(self, source, globals=None, template_class=None):
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        compiled = self._compiled.get(source)
        if compiled is None:
            refuse_forbidden_tags(self.parse(source))
            compiled = self._compiled[source] = super().from_string(source)
        return compiled


def refuse_forbidden_tags(tree: nodes.Template) -> None:
    """A letter is one file: include, import and extends would reach for other files."""
    found = next(iter(tree.find_all(FORBIDDEN_TAGS)), None)
    if found is not None:
        tag = type(found).__name__.lower().replace("fromimport", "from … import")
        raise SecurityError(f"it uses {{% {tag} %}}, which letter templates may not use")


def _letter_range(*args: int) -> range:
    items = range(*args)
    if len(items) > limits.MAX_TEMPLATE_RANGE:
        raise TemplateLimitError(
            f"its range() makes {len(items):,} items, more than {limits.MAX_TEMPLATE_RANGE:,}"
        )
    return items


class _Deadline:
    """Stop a render that runs past `seconds`: a watchdog thread interrupts the main thread
    (Jinja's compiled code is Python, so it stops at the next step); elsewhere the other
    limits still hold. One watchdog serves every render (a thread per letter costs more than
    rendering it on a busy machine)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.fired = False
        self._done = False
        self._lock = threading.Lock()
        self._armed = False

    def __enter__(self) -> _Deadline:
        if threading.current_thread() is threading.main_thread():
            _WATCHDOG.arm(self, self.seconds)
            self._armed = True
        return self

    def _fire(self) -> None:
        with self._lock:
            if not self._done:
                self.fired = True
                _thread.interrupt_main()

    def finish(self) -> None:
        """Call at the end of the guarded block: absorbs an interrupt already on its way."""
        with self._lock:
            self._done = True
            fired = self.fired
        self._disarm()
        while fired:  # the KeyboardInterrupt arrives within a few bytecodes
            threading.Event().wait(0.01)

    def _disarm(self) -> None:
        if self._armed:
            _WATCHDOG.disarm(self)
            self._armed = False

    def __exit__(self, kind, error, trace) -> bool:
        with self._lock:
            self._done = True
        self._disarm()
        if kind is KeyboardInterrupt and self.fired:
            raise TemplateLimitError(
                f"filling it in took longer than {limits.MAX_RENDER_SECONDS:g} seconds"
            ) from None
        return False


class _Watchdog:
    """A daemon thread that fires the one armed _Deadline when its time has passed."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._armed: _Deadline | None = None
        self._due = 0.0
        self._thread: threading.Thread | None = None

    def arm(self, deadline: _Deadline, seconds: float) -> None:
        with self._condition:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="letter-deadline")
                self._thread.daemon = True
                self._thread.start()
            self._armed, self._due = deadline, time.monotonic() + seconds
            self._condition.notify()

    def disarm(self, deadline: _Deadline) -> None:
        with self._condition:
            if self._armed is deadline:
                self._armed = None

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._armed is None or time.monotonic() < self._due:
                    wait = None if self._armed is None else self._due - time.monotonic()
                    self._condition.wait(wait)
                due, self._armed = self._armed, None
            due._fire()  # outside the condition: _fire takes the deadline's own lock


_WATCHDOG = _Watchdog()


def builtin_templates() -> dict[str, bytes]:
    """The templates shipped with DenialDesk: name → .docx bytes.

    Installed, they are the package `addin.letter_templates` (mapped from letters/); run from
    a source checkout (tests, development), they are letters/ beside the package.
    """
    source = Path(__file__).resolve().parents[2] / "letters"
    try:
        checkout = (source / f"{PAYER_APPEAL}.docx").is_file()
        folder = source if checkout else resources.files(BUILTIN_PACKAGE)
    except ModuleNotFoundError:
        raise TemplateError(
            "DenialDesk's built-in letter templates are not installed. Reinstall DenialDesk "
            "(`pip install .` in its folder) and try again."
        ) from None
    return {
        entry.name[: -len(".docx")]: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.name.endswith(".docx")
    }


def practice_templates(folder: Path | None) -> dict[str, Path]:
    """A practice's own templates: every .docx in its Letter Templates folder."""
    if folder is None or not folder.is_dir():
        return {}
    return {
        path.stem: path
        for path in sorted(folder.glob("*.docx"))
        if not path.name.startswith(("~$", "."))  # Word's owner files, hidden files
    }


class LetterTemplates:
    """Every template a letter may use; a practice's file replaces a built-in of the same name."""

    def __init__(self, practice_folder: Path | None = None) -> None:
        self.practice_folder = practice_folder
        self.environment = LetterEnvironment()
        self._practice = practice_templates(practice_folder)
        self._builtin = builtin_templates()
        self._bytes: dict[str, bytes] = {}
        self._fields: dict[str, frozenset[str]] = {}
        self._packages: dict[str, TemplatePackage] = {}

    @property
    def practice_names(self) -> frozenset[str]:
        """The names of the practice's own templates."""
        return frozenset(self._practice)

    def names(self) -> dict[str, str]:
        """Template name → where it comes from ("built-in" or the practice's file)."""
        found = dict.fromkeys(sorted(self._builtin), "built-in")
        found.update({name: str(path) for name, path in self._practice.items()})
        return dict(sorted(found.items()))

    def source(self, name: str) -> bytes:
        if name not in self._bytes:
            if name in self._practice:
                self._bytes[name] = _read_template(self._practice[name])
            elif name in self._builtin:
                self._bytes[name] = self._builtin[name]
            else:
                raise UnknownTemplateError(
                    f"there is no letter template named '{name}' (templates: "
                    f"{', '.join(self.names())}; see `denialdesk letters --list-templates`)"
                )
        return self._bytes[name]

    def fields(self, name: str) -> frozenset[str]:
        """The names a template uses (docxtpl reads its body, headers and footers)."""
        if name not in self._fields:
            with self._reading(name):
                document = DocxTemplate(io.BytesIO(self.source(name)))
                used = document.get_undeclared_template_variables(self.environment)
            self._fields[name] = frozenset(used)
        return self._fields[name]

    def render(self, name: str, context: Mapping[str, object]) -> bytes:
        """The letter as .docx bytes, within the limits on size and time (limits.py)."""
        return self.draft(name, context)[0]

    def draft(self, name: str, context: Mapping[str, object]) -> tuple[bytes, int]:
        """The letter as .docx bytes, its [[fields]] marked (open_fields.py), and how many it
        has; within the limits on size and time (limits.py)."""
        with self._reading(name):
            package = self._package(name)
        with self._reading(name), _Deadline(limits.MAX_RENDER_SECONDS) as deadline:
            document = _Template(package)
            document.render(dict(context), self.environment, autoescape=True)
            deadline.finish()
        with self._reading(name):
            open_fields = mark_rendered(document.docx)
            return package.save(document.docx), open_fields

    def _package(self, name: str) -> TemplatePackage:
        if name not in self._packages:
            self._packages[name] = TemplatePackage(self.source(name))
        return self._packages[name]

    @contextlib.contextmanager
    def _reading(self, name: str):
        """Turn what a broken or tampered template raises into a TemplateError naming it."""
        where = self._practice.get(name, f"built-in {name}")
        try:
            yield
        except TemplateError:
            raise
        except TemplateLimitError as error:
            raise TemplateError(
                f"template {where} asks for more than a letter may cost: {error}. Remove that "
                "part of the template (or start again from a copy of the built-in one)."
            ) from None
        except UndefinedError as error:
            raise TemplateError(f"template {name} uses {error.message}") from None
        except SecurityError as error:
            raise TemplateError(
                f"template {where} tries something a letter may not do ({error}). Replace it "
                "with a copy of the built-in template."
            ) from None
        except TemplateSyntaxError as error:
            raise TemplateError(
                f"template {where} has a broken tag on line {error.lineno} ({error.message}). "
                "Open it in Word and fix the {{ … }} or {% … %} tag."
            ) from None
        except JinjaError as error:
            raise TemplateError(f"template {where} could not be filled in ({error})") from None
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as error:
            raise TemplateError(
                f"template {where} is not a Word .docx document ({type(error).__name__}). "
                "Save it from Word as a .docx file."
            ) from None
        except (RecursionError, MemoryError, OverflowError) as error:
            raise TemplateError(
                f"template {where} asks for more than a letter may cost ({type(error).__name__}"
                "). Remove loops and macros that call themselves, or start again from a copy "
                "of the built-in template."
            ) from None
        except Exception as error:  # noqa: BLE001 - a tampered template: one line, no traceback
            raise TemplateError(
                f"template {where} could not be filled in ({type(error).__name__}). Open it in "
                "Word and check its {{ … }} and {% … %} tags."
            ) from None


class _Template(DocxTemplate):
    """docxtpl's template opened from a TemplatePackage (read once per template, packages.py),
    its clean-up of the tags in a part's XML (`patch_xml`: regular expressions, the same
    result for the same XML) done once per template, not per letter."""

    _patched: dict[str, str] = {}  # a part's XML → patched; a few templates per run
    _PATCHED_KEPT = 64

    def __init__(self, package: TemplatePackage) -> None:
        super().__init__(None)
        self._package = package

    def init_docx(self, reload: bool = True) -> None:
        if not self.docx or (self.is_rendered and reload):
            self.docx = self._package.open()
            self.is_rendered = False

    def patch_xml(self, src_xml: str) -> str:
        patched = self._patched.get(src_xml)
        if patched is None:
            if len(self._patched) >= self._PATCHED_KEPT:
                self._patched.clear()
            patched = self._patched[src_xml] = super().patch_xml(src_xml)
        return patched


def _read_template(path: Path) -> bytes:
    size = path.stat().st_size
    if size > limits.MAX_TEMPLATE_BYTES:
        raise TemplateError(
            f"template {path} is {limits.size_text(size)}, more than the "
            f"{limits.size_text(limits.MAX_TEMPLATE_BYTES)} a letter template may be. Shrink "
            "its pictures (Word: Compress Pictures) and save it again."
        )
    return path.read_bytes()
