"""Shared test setup: the test tiers and the hypothesis profiles.

Tiers
-----
Every test belongs to exactly one tier, a marker given here, by the ``TIERS`` table below,
never by hand in a test module:

- ``unit``: faktura's core, documents and wire format, pure and fast: no servers, no
  databases but the memory store; ``make unit`` (``pytest -m unit -n auto``: pytest-xdist
  spreads them over the cores) runs them alone.
- ``contract``: the store and channel contract suites (``faktura.testing``) over each
  implementation.
- ``integration``: Billing and the stores over SQLite files and PostgreSQL, a real SMTP
  server, a real access point, subprocesses, crashes and concurrency.
- ``e2e``: the HTTP adapter end to end (ASGI and uvicorn), the command line, schemathesis,
  the package as built and installed.
- ``docs``: the examples of README.md and docs/, and the doctests of ``src/faktura`` (the
  examples in docstrings are documentation, checked like the pages' examples).

A module is in the table with its tier, or, when its tests span tiers, with a tier per
top-level name (a test function or class). A collected test the table does not place
is an error, as is a tier marker written in a test module, so no test goes untiered or
gets two tiers. ``make test`` (``pytest -n auto --dist load``) runs every tier.

Hypothesis profiles
-------------------
``HYPOTHESIS_PROFILE`` names the profile to load; without it, "ci", on every machine:

- ``ci``: derandomized (the examples are a function of the test, not of chance) and
  without the example database, so a run's verdict depends on the code alone and is the
  same locally and in CI; 300 examples per test unless a test says otherwise.
- ``explore``: randomized, with the example database (failures found are replayed first
  next time), 2,000 examples per test: for hunting bugs, e.g. ``make explore``
  (``HYPOTHESIS_PROFILE=explore pytest -m "unit or contract"``).

Neither has a deadline, and ``ci`` does not check whether generating data is too slow:
timings on a shared machine say nothing about correctness and would make the verdict
depend on the machine's load; speed is measured by ``benchmarks/``, not by the tests.
A test may lower or raise ``max_examples`` with ``@settings``; it never sets
``derandomize`` or ``database`` (tests/test_tiers.py checks both).

The robustness sweep
--------------------
tests/test_robustness.py counts the inputs it tries in the ``sweep_tried`` fixture; the
end of the run reports them ("robustness sweep: N inputs tried ...", added up over
pytest-xdist's workers), and a run in which every sweep test ran and passed (as in
``make test``) but fewer than ``SWEEP_MINIMUM`` inputs were tried fails, with or without
xdist.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

if TYPE_CHECKING:
    from einvoice_rules import OfficialRules


# -- hypothesis profiles ------------------------------------------------------------------

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    max_examples=2000,
    derandomize=False,
    # named, not inherited: hypothesis turns its default database off when it sees CI=true
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
    deadline=None,
    print_blob=True,
)
#: The profile a run uses when HYPOTHESIS_PROFILE names none.
DEFAULT_PROFILE = "ci"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT_PROFILE)

# -- tiers ----------------------------------------------------------------------------------

UNIT, CONTRACT, INTEGRATION, E2E, DOCS = "unit", "contract", "integration", "e2e", "docs"
#: Every tier; each is a marker registered in pyproject.toml.
TIER_NAMES = (UNIT, CONTRACT, INTEGRATION, E2E, DOCS)

#: In a module split by name, the tier of the names it does not list: only for a module
#: whose other tests are all of one kind (the store-specific tests of a real store).
OTHERS = "*"

#: The tier of every collected test: by module (a path from the repository root), or by a
#: module's top-level names. A key ending in "/" covers every module below it.
TIERS: Mapping[str, str | Mapping[str, str]] = {
    # unit: pure and fast
    "tests/test_accounting_vat.py": {
        "test_the_rate_used_survives_every_store": INTEGRATION,
        OTHERS: UNIT,
    },
    "tests/test_billing.py": UNIT,  # Billing over the memory store
    "tests/test_billing_stateful.py": {
        "TestBillingOnMemory": UNIT,
        "TestBillingOnSqlite": INTEGRATION,
    },
    "tests/test_cli_syntax.py": UNIT,  # the command line's --line/--every syntax, progress
    "tests/test_commands.py": UNIT,
    "tests/test_contributing.py": UNIT,
    "tests/test_codec.py": UNIT,
    "tests/test_codec_compat.py": UNIT,  # what the previous codec wrote and read
    "tests/test_storage_trusted.py": UNIT,
    "tests/test_storage_sql.py": UNIT,  # the shared SQL's parameter style
    "tests/test_codelists.py": {
        "test_http_a_vat_prefix_as_country_is_a_400_naming_the_field": E2E,
        "test_http_codes_off_their_lists_are_a_400_naming_each_field": E2E,
        OTHERS: UNIT,
    },
    "tests/test_company_profile.py": UNIT,
    "tests/test_delivery_dates.py": {"test_every_store_keeps_the_dates": INTEGRATION, OTHERS: UNIT},
    "tests/test_einvoice_conformance.py": UNIT,  # every layer of the official e-invoice rules
    "tests/test_epc_qr.py": UNIT,
    "tests/test_exchange.py": UNIT,
    "tests/test_fields.py": UNIT,
    "tests/test_fik.py": UNIT,
    "tests/test_camt.py": UNIT,
    "tests/test_national_rules.py": UNIT,
    "tests/test_invoice_lifecycle.py": UNIT,
    "tests/test_issuability.py": UNIT,
    "tests/test_issued_final.py": {"test_http_renamed_customer": E2E, OTHERS: UNIT},
    "tests/test_l10n.py": UNIT,
    "tests/test_catalog.py": UNIT,  # the message catalog: keys and placeholders per language
    "tests/test_lock.py": UNIT,
    "tests/test_money_vat_identifiers.py": UNIT,
    "tests/test_numbering.py": UNIT,
    "tests/test_pdf.py": UNIT,
    "tests/test_pdf_pages.py": UNIT,  # long invoices over many pages
    "tests/test_pdf_fonts.py": UNIT,
    "tests/test_pdf_content.py": {
        "test_http_a_credit_note_is_created_with_a_reason": E2E,
        OTHERS: UNIT,
    },
    "tests/test_peppol.py": UNIT,
    "tests/test_reminder_pdf.py": UNIT,  # the reminder (rykker) as a PDF
    "tests/test_statement_pdf.py": UNIT,  # the statement of account as a PDF
    "tests/test_public_api.py": UNIT,
    "tests/test_typing.py": INTEGRATION,
    "tests/test_runs.py": INTEGRATION,  # batch booking and billing runs on every store
    "tests/test_outbox_events.py": INTEGRATION,  # every state change reaches the outbox
    "tests/test_problems.py": UNIT,
    "tests/test_purity.py": UNIT,
    "tests/test_strategies.py": UNIT,  # faktura.testing.strategies: names, arguments, reach
    "tests/test_schedules.py": UNIT,
    "tests/test_dunning.py": UNIT,
    "tests/test_receivables.py": UNIT,
    "tests/test_vat_categories_unsupported.py": UNIT,
    "tests/test_getting_paid.py": INTEGRATION,  # reminders, payments, statements on every store
    "tests/test_terms.py": UNIT,
    "tests/test_tiers.py": UNIT,
    "tests/test_totals_examples.py": UNIT,
    "tests/test_totals_properties.py": UNIT,  # against an independent exact reference
    "tests/test_minor_units.py": UNIT,  # 0-, 3- and 4-decimal currencies, by the official rules
    "tests/test_attachments.py": {
        "test_the_http_api_takes_and_answers_attach_pdf": E2E,
        "test_the_http_send_body_takes_attach_pdf": E2E,
        OTHERS: INTEGRATION,
    },
    "tests/test_supporting_documents.py": {
        "test_over_http": E2E,
        OTHERS: INTEGRATION,
    },
    "tests/test_delivery_payee.py": {
        "test_the_http_api_takes_and_answers_the_deliver_to": E2E,
        "test_the_http_api_edits_payee_and_other_accounts": E2E,
        OTHERS: INTEGRATION,
    },
    "tests/test_line_details.py": {
        "test_the_http_api_takes_and_answers_line_terms": E2E,
        "test_every_bad_item_detail_is_named_at_once": UNIT,
        "test_a_standard_id_needs_a_known_scheme_and_a_gtin_its_check_digit": UNIT,
        "test_a_standard_id_of_another_scheme_is_not_a_gtin": UNIT,
        "test_a_classification_names_its_uncl_7143_list": UNIT,
        "test_a_bad_line_term_is_named": UNIT,
        "test_texts_name_every_text_given": UNIT,
        "test_a_line_period_lies_within_the_invoice_period": UNIT,
        "test_a_line_without_the_terms_is_stored_as_before": UNIT,
        "test_a_line_stored_before_the_terms_reads_without_them": UNIT,
        "test_every_line_reads_back_as_written": UNIT,
        OTHERS: INTEGRATION,
    },
    "tests/test_references.py": {
        "test_the_http_api_takes_and_answers_references": E2E,
        OTHERS: INTEGRATION,
    },
    "tests/test_robustness.py": {
        "test_billing_takes_junk_sqlite": INTEGRATION,
        "test_billing_takes_junk_postgres": INTEGRATION,
        OTHERS: UNIT,
    },
    "tests/test_ubl.py": UNIT,  # validated against the UBL XSD and EN 16931 schematron
    "tests/test_wire.py": UNIT,
    "tests/test_webhooks.py": UNIT,  # signatures, the retry schedule, hand-offs
    # contract: the contract suites over each implementation (and, where a module has
    # more, what only that implementation can show, in the tier of what it touches)
    "tests/test_delivery_channels.py": {
        "TestEInvoiceChannelOverSproom": CONTRACT,
        "TestEmailChannel": CONTRACT,
        "TestHostChannelWithoutPeer": CONTRACT,
        "TestManualChannel": CONTRACT,
        "TestMemoryAccessPointChannel": CONTRACT,
        "TestRecordingChannel": CONTRACT,
        "test_a_recording_channel_of_a_host_type_names_its_recipient_kind": UNIT,
        # recipient resolution, as properties
        "test_an_ean_with_a_wrong_check_digit_is_refused": UNIT,
        "test_any_text_with_a_line_break_is_not_an_email": UNIT,
        "test_einvoice_resolution_order": UNIT,
        "test_email_resolution_order": UNIT,
        "test_plain_addresses_are_emails": UNIT,
    },
    "tests/test_store_memory.py": {
        "TestMemoryStore": CONTRACT,
        "test_open_store_picks_memory": UNIT,
    },
    "tests/test_store_optional.py": {"TestLeanStore": CONTRACT, OTHERS: UNIT},
    "tests/test_store_sqlite.py": {"TestSqliteStore": CONTRACT, OTHERS: INTEGRATION},
    "tests/test_store_postgres.py": {"TestPostgresStore": CONTRACT, OTHERS: INTEGRATION},
    "tests/test_host_transaction.py": {  # the host's own transaction (SQLite, PostgreSQL)
        "TestSqliteHostStore": CONTRACT,
        "TestPostgresHostStore": CONTRACT,
        OTHERS: INTEGRATION,
    },
    # integration: real databases, servers, processes, crashes
    "tests/test_delivery_email.py": INTEGRATION,  # a real SMTP server
    "tests/test_reminder_delivery.py": {  # reminders by email over a real SMTP server
        "test_the_reminder_arrives_with_its_pdf": INTEGRATION,
        "test_every_language_over_smtp": INTEGRATION,
        "test_the_message_id_comes_from_the_dedup_id": INTEGRATION,
        "test_smtp_replies_are_mapped": INTEGRATION,
        "test_a_reminder_over_the_size_limit_is_not_sent": INTEGRATION,
        "test_no_server_is_unavailable": INTEGRATION,
        "test_an_unsafe_recipient_is_refused_before_connecting": INTEGRATION,
        OTHERS: UNIT,
    },
    "tests/test_delivery_types.py": {
        "test_a_host_channel_under_its_own_key_is_used_and_logged": INTEGRATION,
        "test_an_attempt_stored_as_sproom_reads_back_as_einvoice": INTEGRATION,
        "test_sproom_is_the_einvoice_key": INTEGRATION,
        OTHERS: UNIT,
    },
    "tests/test_delivery_sproom.py": INTEGRATION,  # a real HTTP access point
    "tests/test_booking_lines.py": INTEGRATION,  # SQLite files and PostgreSQL
    "tests/test_gate.py": INTEGRATION,  # over memory and SQLite files, and HTTP
    "tests/test_postgres_cluster.py": INTEGRATION,
    "tests/test_query_plans.py": INTEGRATION,
    "tests/test_postgres_crash.py": INTEGRATION,
    "tests/test_postgres_pool.py": INTEGRATION,
    "tests/test_send.py": INTEGRATION,  # over memory, SQLite and PostgreSQL, SMTP, access point
    "tests/test_sqlite_concurrency.py": INTEGRATION,
    "tests/test_sqlite_crash.py": INTEGRATION,
    "tests/test_run_crash.py": INTEGRATION,  # billing runs killed (20 times over; in a delivery)
    "tests/test_exactly_once.py": INTEGRATION,
    "tests/test_dispatch.py": INTEGRATION,  # a real HTTP receiver, every store, killed processes
    "tests/test_email_headers.py": INTEGRATION,
    "tests/test_storage_errors.py": INTEGRATION,  # damaged SQLite files and PostgreSQL rows
    "tests/test_reported_inputs.py": INTEGRATION,  # over memory, SQLite and PostgreSQL
    # e2e: the HTTP API and the command line
    "tests/test_cli.py": E2E,
    "tests/test_cli_runs.py": E2E,  # run, book and schedules on SQLite files, an access point
    "tests/test_cli_collections.py": E2E,  # reminders, payments, statements on SQLite files
    "tests/test_cli_dispatch.py": E2E,  # webhooks and dispatch to a local HTTP receiver
    "tests/test_http_e2e.py": E2E,
    "tests/test_http_timeouts.py": E2E,  # a real uvicorn server over sockets
    "tests/test_http_errors.py": E2E,
    "tests/test_http_fixtures.py": E2E,
    "tests/test_http_fuzz.py": E2E,
    "tests/test_http_openapi.py": E2E,
    "tests/test_http_schemathesis.py": E2E,
    "tests/test_http_security.py": E2E,
    "tests/test_http_schedules.py": E2E,  # over memory, SQLite and PostgreSQL
    "tests/test_http_runs.py": E2E,  # over memory, SQLite and PostgreSQL
    "tests/test_http_webhook_endpoints.py": E2E,  # over memory, SQLite and PostgreSQL
    "tests/test_http_collections.py": E2E,  # over memory, SQLite and PostgreSQL
    "tests/test_package.py": E2E,  # the built wheel, installed in a new virtualenv
    # docs: the documentation's examples
    "tests/test_docs_examples.py": DOCS,
    "tests/test_readme_walkthrough.py": DOCS,
    "tests/test_recipes.py": DOCS,  # docs/recipes/, against SQLite and PostgreSQL
    "src/faktura/": DOCS,  # the doctests (--doctest-modules)
}


def module_key(item: pytest.Item) -> str:
    """The item's module as a path from the repository root: "tests/test_billing.py"."""
    try:
        return item.path.relative_to(item.config.rootpath).as_posix()
    except ValueError:  # outside the repository: in no tier
        return item.path.as_posix()


def top_level_name(item: pytest.Item) -> str:
    """The test function or class an item belongs to, without parameters."""
    parts = item.nodeid.split("::")
    return parts[1].split("[")[0] if len(parts) > 1 else ""


def tier_of(module: str, name: str) -> str | None:
    """The tier ``TIERS`` gives the test ``name`` of ``module``, None when it gives none."""
    entry = TIERS.get(module)
    if entry is None:
        folders = [key for key in TIERS if key.endswith("/") and module.startswith(key)]
        entry = TIERS[max(folders, key=len)] if folders else None
    if entry is None or isinstance(entry, str):
        return entry
    return entry.get(name, entry.get(OTHERS))


def tier_problems(placed: list[tuple[str, str | None, list[str]]]) -> list[str]:
    """What is wrong with tests given as (node id, tier from the table or None, tier
    markers written by hand): a test without a tier, or with a marker of its own."""
    problems = []
    for nodeid, tier, own in placed:
        if tier is None:
            problems.append(f"{nodeid}: no tier; give it one in TIERS in tests/conftest.py")
        if own:
            problems.append(
                f"{nodeid}: marked {', '.join(own)} by hand; tiers come from TIERS in "
                "tests/conftest.py alone"
            )
    return problems


#: pytest-xdist's schedules that key their work by node id: of tests sharing one (the
#: schemathesis tests, one per API operation) they run one and drop the rest unreported.
_BY_NODE_ID = ("loadscope", "loadfile", "loadgroup")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    placed = []
    for item in items:
        tier = tier_of(module_key(item), top_level_name(item))
        own = [mark.name for mark in item.iter_markers() if mark.name in TIER_NAMES]
        placed.append((item.nodeid, tier, own))
        if tier is not None and not own:
            item.add_marker(tier)
    _sweep_runs["collected"] = sum(_is_sweep(item.nodeid) for item in items)  # all, unselected too
    problems = tier_problems(placed)
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if problems[20:] else [])
        raise pytest.UsageError("tests without exactly one tier:\n  " + "\n  ".join(shown))


# -- the robustness sweep's count ------------------------------------------------------------

#: Inputs a run of the whole robustness sweep must try at least (issue 13).
SWEEP_MINIMUM = 5_000
_SWEEP_MODULE = "tests/test_robustness.py"
_SWEEP_TESTS = ("test_public_constructors_take_junk", "test_billing_takes_junk_")
_sweep_tried: Counter[str] = Counter()  # in this process (a worker's, under xdist)
_sweep_runs: Counter[str] = Counter()  # sweep tests "collected" and "passed" (controller)


def _is_sweep(nodeid: str) -> bool:
    module, _, name = nodeid.partition("::")
    return module == _SWEEP_MODULE and name.startswith(_SWEEP_TESTS)


@pytest.fixture(scope="session")
def validator() -> OfficialRules:
    """The official e-invoice rules, all four layers, compiled once per session
    (tests/einvoice_rules.py): fails under CI=true when anything is missing."""
    import einvoice_rules  # here, so that this file stands alone (tests/test_tiers.py)

    return einvoice_rules.load()


@pytest.fixture(scope="session")
def sweep_tried() -> Counter[str]:
    """The robustness sweep's counter: inputs tried per target kind."""
    return _sweep_tried


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and _is_sweep(report.nodeid):
        _sweep_runs["passed"] += 1


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under pytest-xdist, in the controller: a schedule keyed by node id stops the run
    when tests share one, rather than drop all but one of them unreported."""
    dist = node.config.option.dist
    if dist in _BY_NODE_ID:
        shared = sorted(nodeid for nodeid, n in Counter(ids).items() if n > 1)
        if shared:
            pytest.exit(
                f"--dist {dist} would run one test of each node id shared by several and "
                f"drop the others: {', '.join(shared)}; use --dist load",
                returncode=pytest.ExitCode.USAGE_ERROR,
            )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """Under pytest-xdist: a worker's count, added to the controller's; the controller
    collects nothing itself, so the sweep tests collected are the workers' (each collects
    them all; the controller sees every worker's passed reports)."""
    output = getattr(node, "workeroutput", {})
    _sweep_tried.update(output.get("faktura_sweep_tried", {}))
    collected = output.get("faktura_sweep_collected", 0)
    _sweep_runs["collected"] = max(_sweep_runs["collected"], collected)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the count to the controller
        workeroutput["faktura_sweep_tried"] = dict(_sweep_tried)
        workeroutput["faktura_sweep_collected"] = _sweep_runs["collected"]
        return
    whole = _sweep_runs["collected"] and _sweep_runs["passed"] == _sweep_runs["collected"]
    if whole and _sweep_tried.total() < SWEEP_MINIMUM:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if getattr(terminalreporter.config, "workeroutput", None) is not None or not _sweep_tried:
        return
    parts = ", ".join(f"{kind} {count:,}" for kind, count in sorted(_sweep_tried.items()))
    line = f"robustness sweep: {_sweep_tried.total():,} inputs tried ({parts})"
    terminalreporter.write_sep("-", line)
    whole = _sweep_runs["collected"] and _sweep_runs["passed"] == _sweep_runs["collected"]
    if whole and _sweep_tried.total() < SWEEP_MINIMUM:
        terminalreporter.write_line(
            f"the whole sweep ran but tried fewer than {SWEEP_MINIMUM:,} inputs: FAILED",
            red=True,
        )
