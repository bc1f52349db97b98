"""Every rule, SC101–SC701: a paraphrase a careful reviewer accepts passes, a real breach fails."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from support import load_fixture

from specrun.context.numbering import NumberingEvidence
from specrun.context.prompt_pack import PackRules
from specrun.rules import Violation, validate_document

Document = dict[str, Any]
Mutation = Callable[[Document], None]

PROVEN = NumberingEvidence(
    "proven", (110, 111, 134, 138), (139, 140, 141, 142), ("specs/ directories",), "test"
)


def candidate(document: Document, letter: str) -> dict[str, Any]:
    result: dict[str, Any] = document["candidates"]["ABCD".index(letter)]
    return result


def statement(letter: str, field: str, text: str | None) -> Mutation:
    return lambda document: candidate(document, letter)["explicit_statements"].update({field: text})


def setting(letter: str, **fields: Any) -> Mutation:
    return lambda document: candidate(document, letter).update(fields)


def scrubbing(letter: str, phrase: str) -> Mutation:
    """Remove a phrase from every text of a candidate."""

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return re.sub(re.escape(phrase), "record lookup", value, flags=re.IGNORECASE)
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    def mutate(document: Document) -> None:
        index = "ABCD".index(letter)
        document["candidates"][index] = scrub(document["candidates"][index])

    return mutate


def boundary(letter: str, spec: str, relationship: str, text: str) -> Mutation:
    return setting(
        letter,
        boundary_to_existing_specs=[
            {"spec": spec, "relationship": relationship, "statement": text}
        ],
    )


def combined(*mutations: Mutation) -> Mutation:
    def mutate(document: Document) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


def appending(letter: str, field: str, item: str) -> Mutation:
    return lambda document: candidate(document, letter)[field].append(item)


def codes(violations: list[Violation]) -> set[str]:
    return {violation.code for violation in violations}


def judge(document: Document, rules: PackRules, evidence: NumberingEvidence) -> list[Violation]:
    return list(validate_document(document, rules, evidence)[1].violations)


UI = "ui_only_authorization_insufficient"
LIVEWIRE = "livewire_public_state_untrusted"
NEGATIVE = "negative_path_regression_tests_required"
AUDIT = "operation_run_audit_hardening"

PARAPHRASES: dict[str, Mutation] = {
    "SC301 presentation is no substitute": statement(
        "B",
        UI,
        "Hiding a button is presentation and never a substitute for authorization "
        "enforced on the server.",
    ),
    "SC301 cannot be relied on": statement(
        "C",
        UI,
        "Permission checks performed only in the form cannot be relied on, because "
        "bulk actions bypass it.",
    ),
    "SC302 tamperable properties": statement(
        "D",
        LIVEWIRE,
        "Values held in Livewire component properties can be tampered with by "
        "any browser and are never accepted as truth.",
    ),
    "SC302 client-controlled": statement(
        "A",
        LIVEWIRE,
        "Identifiers read from Livewire public state are client-controlled and "
        "must be revalidated before dispatch.",
    ),
    "SC303 cannot ship without": statement(
        "C",
        NEGATIVE,
        "The spec cannot ship without regression tests proving that every "
        "forbidden transition is rejected.",
    ),
    "SC303 follow-up sentence": statement(
        "B",
        NEGATIVE,
        "Regression tests cover wrong-tenant access on every route. These tests "
        "are mandatory for release.",
    ),
    "SC303 not optional": statement(
        "D",
        NEGATIVE,
        "Tamper tests for locked identifiers are not optional; they must pass before merge.",
    ),
    "SC304 gains an outcome": statement(
        "A",
        AUDIT,
        "The OperationRun model gains a denied outcome, and every denial must be "
        "recorded in the audit log.",
    ),
    "SC304 coverage extended": statement(
        "C", AUDIT, "Audit coverage is extended to system-initiated transitions."
    ),
    "SC401 C builds on 111": lambda document: candidate(document, "C").update(
        boundary_to_existing_specs=[
            {
                "spec": "111",
                "relationship": "builds on and hardens",
                "statement": "Workflow states and SLA timers stay in Spec 111; this candidate "
                "only enforces them on the server.",
            }
        ]
    ),
    "SC401 C takes over what 111 leaves out": lambda document: candidate(document, "C").update(
        boundary_to_existing_specs=[
            {
                "spec": "Spec 111",
                "relationship": "extends",
                "statement": "It takes over precisely the items Spec 111 declared out of scope: "
                "server-side transition enforcement and reopen handling.",
            }
        ]
    ),
    "SC401 C names the relationship in its statement": lambda document: candidate(
        document, "C"
    ).update(
        boundary_to_existing_specs=[
            {
                "spec": "Spec 111",
                "relationship": "Implemented",
                "statement": "C extends Spec 111 and does not duplicate it: SLA timers stay in "
                "Spec 111.",
            }
        ]
    ),
    "SC401 D leaves 138 unchanged": lambda document: candidate(document, "D").update(
        boundary_to_existing_specs=[
            {
                "spec": "Spec 138",
                "relationship": "complements",
                "statement": "The draft model of Spec 138 is left unchanged; this candidate "
                "governs component state only.",
            }
        ]
    ),
    "SC402 scope mentions another theme as excluded": lambda document: candidate(document, "A")[
        "scope"
    ].append("Livewire context locking is excluded and handled by Candidate D."),
    "SC602 Phase I is not first person": setting(
        "B", summary="Phase I scopes every tenant-owned query; phase II removes the anti-patterns."
    ),
    # Negation read per clause: neither/nor, never, "only ... is sufficient".
    "SC301 neither nor": statement(
        "A", UI, "Neither UI-only nor dispatch-time authorization is sufficient."
    ),
    "SC301 only server side is sufficient": statement(
        "B", UI, "UI checks are insufficient; only server-side enforcement is sufficient."
    ),
    # Domain vocabulary: Filament actions, hidden or disabled controls, navigation.
    "SC301 Filament action check": statement(
        "C", UI, "The check in the dispatching Filament action is not sufficient."
    ),
    "SC301 hiding navigation": statement("B", UI, "Hiding navigation does not protect records."),
    "SC301 disabled action is not a control": statement(
        "D", UI, "A hidden or disabled Filament action is not a control."
    ),
    "SC301 bare blade directive": statement(
        "C", UI, "An @can directive in a Blade view is cosmetic; the policy runs on the server."
    ),
    "SC302 must never be trusted": statement(
        "A", LIVEWIRE, "Livewire public state must never be trusted."
    ),
    "SC302 locked ids are no source of truth": statement(
        "D",
        LIVEWIRE,
        "A #[Locked] id in a Livewire component is still not a source of truth; the "
        "server re-derives tenant and workspace on every request.",
    ),
    "SC303 telegraphic": statement(
        "B",
        NEGATIVE,
        "Negative-path regression tests required: foreign tenant id in the route; unscoped query.",
    ),
    "SC303 none optional": statement(
        "C",
        NEGATIVE,
        "Regression tests for every forbidden transition are part of the definition of done; "
        "none of them is optional.",
    ),
    "SC304 gains outcomes": statement(
        "A", AUDIT, "OperationRun MUST gain denied and skipped outcomes."
    ),
    "SC304 audit backstop in domain words": statement(
        "C",
        AUDIT,
        "Every transition writes an AuditEntry through AuditLogger::record(); the audit "
        "backstop is new for findings.",
    ),
    # SC401: non-duplication in other words, and word forms of re-specify.
    "SC401 keeps ownership": boundary(
        "C",
        "Spec 111",
        "extends",
        "Spec 111 keeps ownership of the workflow states; this candidate adds only "
        "server-side enforcement.",
    ),
    "SC401 none of which it redefines": boundary(
        "C",
        "Spec 111",
        "builds on",
        "Spec 111 defines the states, severity and SLA timers, none of which this candidate "
        "redefines.",
    ),
    "SC401 does not change draft identity": boundary(
        "D",
        "Spec 138",
        "complements",
        "This candidate does not change draft identity; it governs component state only.",
    ),
    "SC401 are not re-specified": boundary(
        "C",
        "Spec 111",
        "extends",
        "The workflow states and SLA timers of Spec 111 are not re-specified here.",
    ),
    "SC401 does not respecify": boundary(
        "C",
        "Spec 111",
        "extends",
        "This candidate does not respecify the SLA model; it enforces transitions.",
    ),
    "SC401 will not re specify": boundary(
        "D",
        "Spec 138",
        "complements",
        "It will not re specify the OnboardingDraft model and only hardens the wizard.",
    ),
    "SC401 stays in / added here": boundary(
        "C",
        "Spec 111",
        "extends",
        "Stays in Spec 111: states, severity, SLA timers. Added here: server-side "
        "transition enforcement, reopen, audit entries.",
    ),
    # SC402: exemptions are phrases; naming the owning candidate marks the theme as theirs.
    "SC402 depends on D's locked ids": appending(
        "B", "scope", "Relies on the #[Locked] identifiers that Candidate D introduces."
    ),
    # SC501: a point judged over adjacent items, and in other words.
    "SC501 impermissible transition refused": setting(
        "C",
        key_requirements=[
            "The finding lifecycle MUST be enforced server-side by a single transition service.",
            "An impermissible transition shall be refused, whichever path requests it.",
            "A resolved finding whose condition recurs MUST be reopened and its recurrence "
            "counted.",
            "Every transition MUST write an audit entry as the audit backstop.",
        ],
    ),
    # SC602: words with a non-hedging reading, roman numerals, I/O.
    "SC602 each kind of finding": setting(
        "C", summary="Each kind of finding follows the same enforced transition graph."
    ),
    "SC602 section sign I": setting(
        "A", summary="Jobs re-authorize before they execute, as required by §I of the constitution."
    ),
    "SC602 Roman numbered steps": setting(
        "A", summary="(I) capture the actor at dispatch; (II) revalidate the scope at execution."
    ),
    "SC602 Roman numbered list": setting(
        "A", summary="I. capture the actor at dispatch; II. revalidate the scope at execution."
    ),
    "SC602 sections I and III": setting(
        "A", summary="Sections I and III of the constitution bind every queued job."
    ),
    "SC602 Article I": setting(
        "A", summary="Article I requires that queued jobs re-authorize before they execute."
    ),
    "SC602 tenant I/O": appending(
        "A", "key_requirements", "A denied job MUST NOT perform tenant I/O."
    ),
    "SC602 this kind of context": setting(
        "D", summary="Every component that holds this kind of context locks its identifiers."
    ),
    "SC602 possessives are no contractions": setting(
        "B", summary="The tenant's records load only through the workspace's canonical query."
    ),
    "SC303 MAY NOT forbids": statement(
        "B",
        NEGATIVE,
        "Regression tests for wrong-tenant access are required; a release MAY NOT skip them.",
    ),
    # A statement that opens with an asserting label answers its own field.
    "SC303 required cases as a list": statement(
        "A",
        NEGATIVE,
        "Required: revoked membership between dispatch and handle; tampered payload; "
        "non-operable tenant.",
    ),
    "SC303 required per article": statement(
        "C",
        NEGATIVE,
        "Required per Article 6.1: every disallowed transition through every entry point, "
        "and a direct model write that must be rejected.",
    ),
    "SC303 mandatory cases": statement(
        "B",
        NEGATIVE,
        "Mandatory: a user of workspace A requesting a workspace B record by URL; a "
        "wrong-tenant child record. All must return 404.",
    ),
    # A word that weighs a fact describes a circumstance, not a decision.
    "SC602 possibly describing when": setting(
        "A", summary="The job runs later, possibly under a different membership."
    ),
    "SC602 a possibly wrong check": appending(
        "A",
        "risks_if_not_implemented",
        "Every new job copies a different, possibly wrong capability check.",
    ),
    "SC602 probably a compliance problem": appending(
        "A",
        "risks_if_not_implemented",
        "Writes reach offboarded tenants, which is a contractual and probably a compliance "
        "problem.",
    ),
    "SC301 not regarded as a control": statement(
        "D",
        UI,
        "Hiding or disabling wizard steps in the rendered component SHALL NOT be regarded as "
        "a control on the workflow; the server decides which step may be reached.",
    ),
    "SC304 cites what another spec leaves out of scope": statement(
        "A",
        AUDIT,
        "Audit semantics must be extended with denied and skipped event types, which closes "
        "the gap Spec 134 explicitly leaves out of scope.",
    ),
    "SC402 D uses the canonical query": appending(
        "D",
        "key_requirements",
        "Locked identifiers are re-resolved through the canonical scoped query on every hydration.",
    ),
    "SC602 permission may": setting(
        "C", summary="The transition service is the only code path that may change the status."
    ),
    # SC202: digits of other scripts are not spec numbers (Arabic-Indic, full-width).
    "SC202 other scripts' digits": setting(
        "B",
        summary="The audit lists Spec \u0661\u0664\u0665 and its findings as "
        "specs/\u0661\u0664\u0666-notes and number \uff11\uff15\uff10; all are scoped.",
    ),
    # SC202: ordinary numbers are not spec numbers.
    "SC202 ordinary numbers": setting(
        "B",
        summary="Article 2.1 and finding F-12 show that 12 jobs answer HTTP 403 or 404 in 2026; "
        "the 150 affected queries are scoped.",
    ),
    # SC202: a verb that hands out numbers, counting things; a standard's dated version.
    "SC202 counts after allocate, reserve, claim": setting(
        "B",
        summary="The scheduler reserves 100 slots per tenant, allocates 512 MB per worker and "
        "claims 250 jobs per minute; payloads follow the JSON Schema spec 2020-12.",
    ),
    "SC202 ranges of counts": setting(
        "B",
        summary="Each tenant reserves 100 to 200 slots, allocates 256 or 512 MB, and claims "
        "100, 200 or 300 jobs.",
    ),
    # SC303: a hedge in a clause of its own that qualifies something else stays beside the point.
    "SC303 where possible qualifies the fixtures": statement(
        "B",
        NEGATIVE,
        "Negative-path regression tests are required for every wrong-tenant query, and where "
        "possible the fixtures are shared between them.",
    ),
    "SC303 where possible in the next sentence": statement(
        "B",
        NEGATIVE,
        "Negative-path regression tests are required for every wrong-tenant query. Where possible, "
        "they share one fixture set.",
    ),
    # SC602: a decision left to the spec the candidate proposes is no hedge.
    "SC602 to be decided in the spec": appending(
        "C",
        "key_requirements",
        "The expiry period of a risk acceptance is to be decided in the spec.",
    ),
    "SC602 TBD in the spec": setting(
        "C",
        target_model="A reopened finding keeps its history; whether reopen adds a state is TBD "
        "in the spec.",
    ),
    # SC601: English noun phrases, not sentences.
    "SC601 noun phrase items": lambda document: candidate(document, "A")["key_requirements"].extend(
        [
            "Jobs MUST carry actor id, workspace id, tenant id and request fingerprint.",
            "OperationRun lifecycle extension: denied and skipped terminal states, reason codes.",
            "ExecutionContext value object; job middleware; AuditEventType cases.",
        ]
    ),
    "SC401 C defers SLA to Spec 111": appending(
        "C", "scope", "SLA due dates and breach notifications stay as Spec 111 defines them."
    ),
    "SC501 B one standard way to query": combined(
        scrubbing("B", "canonical"),
        appending("B", "scope", "One standard way to query each tenant-owned record."),
    ),
    "SC401 D spec owns and excludes": boundary(
        "D",
        "Spec 138",
        "complements",
        "Spec 138 owns the draft identity and excludes the wizard state, which this "
        "candidate covers.",
    ),
    "SC301 global scope is the control": statement(
        "B",
        UI,
        "Hiding records in Filament tables is cosmetic; the TenantScope global scope "
        "enforces isolation.",
    ),
    "SC301 job middleware re-authorizes": statement(
        "A",
        UI,
        "The authorize() check in the Filament action is not sufficient; job middleware "
        "re-authorizes at handle time.",
    ),
}

BREACHES: dict[str, tuple[Mutation, str]] = {
    "SC101 three candidates": (lambda d: d["candidates"].pop(), "SC101"),
    "SC101 swapped themes": (
        lambda d: d["candidates"].insert(0, d["candidates"].pop(1)),
        "SC101",
    ),
    "SC102 draft status": (setting("A", status="Draft"), "SC102"),
    "SC103 slug not kebab": (setting("B", slug="Tenant_Query"), "SC103"),
    "SC103 duplicate slug": (setting("B", slug="queued-execution-trust"), "SC103"),
    "SC103 duplicate title": (
        setting("D", working_title="Queued Execution Trust and Scope Continuity"),
        "SC103",
    ),
    "SC104 empty list": (setting("B", goals=[]), "SC104"),
    "SC104 placeholder": (setting("B", summary="TBD"), "SC104"),
    "SC104 blank item": (setting("C", non_goals=["  "]), "SC104"),
    "SC104 missing field": (lambda d: candidate(d, "A").pop("summary"), "SC104"),
    "SC104 unknown field": (setting("A", summmary="typo"), "SC104"),
    "SC104 wrong type": (setting("A", goals="not a list"), "SC104"),
    "SC105 delivery": (setting("A", delivery_recommendation="quick fix"), "SC105"),
    "SC105 priority": (setting("A", implementation_priority="Low"), "SC105"),
    "SC201 number while uncertain": (setting("B", spec_number=139, label="Spec 139"), "SC201"),
    "SC201 label while uncertain": (setting("B", label="Spec 139"), "SC201"),
    "SC202 invented number in text": (
        setting("B", summary="This becomes Spec 141 and extends Specs 110 and 139."),
        "SC202",
    ),
    "SC202 numbering strategy reserves numbers": (
        lambda d: d.update(numbering_strategy="Reserve Spec 139 to Spec 142 for A to D now."),
        "SC202",
    ),
    "SC202 number then a verb": (
        lambda d: d.update(numbering_strategy="Number 150 goes to Candidate A once proven."),
        "SC202",
    ),
    "SC202 numbers that exist": (
        lambda d: d.update(numbering_strategy="Numbers 139 and 140 exist as branches already."),
        "SC202",
    ),
    "SC202 reserve a number for a candidate": (
        lambda d: d.update(numbering_strategy="Reserve 139 for Candidate A once proven."),
        "SC202",
    ),
    "SC301 missing": (statement("B", UI, None), "SC301"),
    "SC301 not applicable": (statement("B", UI, "Not applicable."), "SC301"),
    "SC301 says the opposite": (
        statement("B", UI, "UI-only authorization is sufficient for read-only pages."),
        "SC301",
    ),
    "SC302 missing for A": (statement("A", LIVEWIRE, None), "SC302"),
    "SC302 trusted": (
        statement("D", LIVEWIRE, "Livewire public state is trusted once the page has loaded."),
        "SC302",
    ),
    "SC303 added later": (
        statement("C", NEGATIVE, "Tests for invalid transitions will be added later."),
        "SC303",
    ),
    "SC303 optional": (
        statement("C", NEGATIVE, "Negative-path regression tests are optional."),
        "SC303",
    ),
    "SC301 UI-only authorization is out of scope": (
        statement("B", UI, "UI-only authorization is out of scope for this candidate."),
        "SC301",
    ),
    "SC301 considered sufficient": (
        statement("C", UI, "UI-only authorization is considered sufficient for read-only tables."),
        "SC301",
    ),
    "SC304 unchanged": (
        statement("A", AUDIT, "OperationRun and audit semantics remain unchanged."),
        "SC304",
    ),
    "SC304 missing for C": (statement("C", AUDIT, None), "SC304"),
    "SC401 C has no boundary to 111": (
        setting(
            "C",
            boundary_to_existing_specs=[
                {
                    "spec": "Spec 134",
                    "relationship": "depends on",
                    "statement": "Writes transition entries through the audit foundation.",
                }
            ],
        ),
        "SC401",
    ),
    "SC401 boundary to a spec that does not exist": (
        lambda d: candidate(d, "B")["boundary_to_existing_specs"].append(
            {"spec": "Spec 120", "relationship": "extends", "statement": "Extends the spec here."}
        ),
        "SC401",
    ),
    "SC402 A scopes in D's theme": (
        lambda d: candidate(d, "A")["scope"].append("Livewire context locking for the wizard."),
        "SC402",
    ),
    "SC402 umbrella title": (
        setting("B", working_title="Query Canon and Findings Lifecycle Hardening"),
        "SC402",
    ),
    "SC601 German": (
        setting(
            "B",
            problem_statement="Die Mandantentrennung wird heute nur durch Konvention "
            "durchgesetzt: Komponenten laden Datensätze per Primärschlüssel und prüfen erst "
            "danach, ob sie zum aktuellen Mandanten gehören. Dadurch kann ein Benutzer Daten "
            "eines fremden Mandanten sehen, wenn eine Prüfung vergessen wird.",
        ),
        "SC601",
    ),
    "SC602 first person": (
        setting("B", summary="I recommend scoping all tenant queries."),
        "SC602",
    ),
    "SC602 hedging": (
        setting("B", summary="Queries should perhaps be scoped to the acting tenant."),
        "SC602",
    ),
    "SC602 exclamation": (setting("B", summary="Scope every tenant query on the server!"), "SC602"),
    "SC602 emoji": (setting("B", summary="Scope every tenant query on the server 🚀."), "SC602"),
    "SC701 order repeats a label": (
        lambda d: d.update(
            recommended_implementation_order=[
                "Candidate A",
                "Candidate A",
                "Candidate C",
                "Candidate D",
            ]
        ),
        "SC701",
    ),
    "SC701 start first is not first": (
        lambda d: d["start_first"].update(candidate="Candidate B"),
        "SC701",
    ),
    "SC701 track names a stranger": (
        lambda d: d["parallel_tracks"][0].update(candidates=["Candidate A", "Candidate E"]),
        "SC701",
    ),
    "SC701 no numbering strategy while uncertain": (
        lambda d: d.update(numbering_strategy=""),
        "SC701",
    ),
    # A negation that governs the concept, or a statement waved away.
    "SC303 no tests are required": (
        statement("B", NEGATIVE, "No negative-path regression tests are required."),
        "SC303",
    ),
    "SC303 tests not required": (
        statement("D", NEGATIVE, "Tamper tests for the wizard are not required."),
        "SC303",
    ),
    "SC304 considered and rejected": (
        statement("A", AUDIT, "Extending OperationRun semantics was considered and rejected."),
        "SC304",
    ),
    "SC304 out of scope": (
        statement("C", AUDIT, "Hardening audit semantics is out of scope for this candidate."),
        "SC304",
    ),
    "SC304 deferred": (
        statement("C", AUDIT, "Audit entries for transitions are deferred to a later release."),
        "SC304",
    ),
    "SC302 state is trusted input": (
        statement("A", LIVEWIRE, "Livewire public properties are trusted input after mount."),
        "SC302",
    ),
    "SC301 enough": (
        statement("C", UI, "Hiding the bulk action in the UI is enough to enforce the permission."),
        "SC301",
    ),
    "SC402 single word candidate no longer exempts": (
        appending("A", "scope", "A candidate-wide Livewire context locking layer."),
        "SC402",
    ),
    # SC602: informal discourse markers, in several voices.
    "SC602 honestly (chatty)": (
        setting("B", summary="Honestly, this is the cluster that exposes the most tenant data."),
        "SC602",
    ),
    "SC602 frankly": (
        setting("C", why_needed_now="Frankly, the lifecycle is a convention that nobody enforces."),
        "SC602",
    ),
    "SC602 basically": (
        setting("A", target_model="Basically: dispatch-time checks hint, handle-time ones decide."),
        "SC602",
    ),
    "SC602 pretty much": (
        setting("A", why_needed_now="Pretty much every tenant job carries only a tenant id."),
        "SC602",
    ),
    "SC602 developer chat": (
        setting("B", why_needed_now="TBH the scoped binding is the cheapest fix, FWIW."),
        "SC602",
    ),
    "SC602 spoken American": (
        setting("A", summary="Jobs are gonna re-check the actor's capability at handle time."),
        "SC602",
    ),
    "SC602 yep": (
        statement("A", UI, "Yep: a hidden Filament action is not authorization for the job."),
        "SC602",
    ),
    "SC602 okay so": (
        lambda d: d.update(numbering_strategy="Okay so the numbers wait until branches are known."),
        "SC602",
    ),
    "SC602 long story short (narrator)": (
        setting("C", summary="Long story short, every transition goes through one service."),
        "SC602",
    ),
    "SC602 should ideally": (
        setting("D", dependencies_and_sequencing="D should ideally land on top of Spec 138."),
        "SC602",
    ),
    # SC602: certain hedges.
    "SC602 should probably": (
        setting("C", summary="We should probably route all status changes through one service."),
        "SC602",
    ),
    "SC602 maybe": (
        setting("C", target_model="Risk acceptance expires, maybe after 90 days."),
        "SC602",
    ),
    "SC602 could either seem workable": (
        setting(
            "C",
            target_model="We could either add a reopened state or move the finding back to new; "
            "both options seem workable.",
        ),
        "SC602",
    ),
    "SC602 to be decided": (
        appending("C", "key_requirements", "What happens on expiry is to be decided."),
        "SC602",
    ),
    "SC602 to be decided in a longer word than spec": (
        appending(
            "C", "key_requirements", "Expiry is to be decided in the specialist team's next review."
        ),
        "SC602",
    ),
    # SC202: spec numbers named outside "Spec NNN".
    "SC202 assign a range": (
        lambda d: d.update(numbering_strategy="Assign 139 to 142 once the branches are known."),
        "SC202",
    ),
    "SC202 number 139": (
        setting("A", dependencies_and_sequencing="Ships first, as number 139, before the others."),
        "SC202",
    ),
    "SC202 range with a dash": (
        lambda d: d.update(numbering_strategy="Use specs 139–142 for the four candidates."),
        "SC202",
    ),
    "SC202 slug": (
        setting("B", dependencies_and_sequencing="Lands in specs/140-tenant-query-canon first."),
        "SC202",
    ),
    "SC202 bare slug": (
        setting("B", dependencies_and_sequencing="Branch 141-findings-workflow follows it."),
        "SC202",
    ),
    "SC202 next free numbers": (
        lambda d: d.update(numbering_strategy="The next free numbers are 139 to 142, in order."),
        "SC202",
    ),
}


UNSURE: dict[str, tuple[Mutation, str]] = {
    # A rejected alternative may be the concept's opposite: not a certain dismissal.
    "SC301 relying on the UI was considered and rejected": (
        statement(
            "A",
            UI,
            "Relying on UI-only authorization was considered and rejected: the server "
            "re-authorizes every job when it runs.",
        ),
        "SC301",
    ),
    "SC301 a UI-only approach was considered and rejected": (
        statement(
            "B",
            UI,
            "A UI-only approach to record access was considered and rejected: ownership is "
            "enforced in the query.",
        ),
        "SC301",
    ),
    "SC303 shipping without tests was considered and rejected": (
        statement(
            "C",
            NEGATIVE,
            "Shipping without tests for the refusal paths was considered and rejected.",
        ),
        "SC303",
    ),
    "SC302 mention without assertion": (
        statement("D", LIVEWIRE, "Livewire public state holds the wizard step."),
        "SC302",
    ),
    "SC301 a yes without a statement": (
        statement("D", UI, "Yes, the Filament action check covers it."),
        "SC301",
    ),
    "SC303 happy path only": (
        statement("A", NEGATIVE, "Unit tests must cover the successful dispatch."),
        "SC303",
    ),
    "SC401 C does not say how it avoids duplicating 111": (
        setting(
            "C",
            boundary_to_existing_specs=[
                {
                    "spec": "Spec 111",
                    "relationship": "extends",
                    "statement": "Builds the enforcement on top of the workflow states.",
                }
            ],
        ),
        "SC401",
    ),
    "SC401 D replaces 138": (
        setting(
            "D",
            boundary_to_existing_specs=[
                {
                    "spec": "Spec 138",
                    "relationship": "supersedes",
                    "statement": "Takes over the onboarding draft identity entirely.",
                }
            ],
        ),
        "SC401",
    ),
    "SC501 C misses invalid transitions": (
        setting(
            "C",
            key_requirements=["The lifecycle MUST be enforced on the server."],
            scope=["Lifecycle enforcement for every write path."],
            goals=["Enforcement everywhere."],
            target_model="One service owns every status change and audits it.",
        ),
        "SC501",
    ),
    "SC501 B misses route model binding": (scrubbing("B", "route model binding"), "SC501"),
    "SC401 D only promises not to duplicate 138": (
        boundary(
            "D",
            "Spec 138",
            "complements",
            "It should not duplicate Spec 138 and should be aligned with it.",
        ),
        "SC401",
    ),
    "SC401 C aims not to redefine 111": (
        boundary(
            "C",
            "Spec 111",
            "extends",
            "Ideally this candidate does not redefine anything that Spec 111 specifies.",
        ),
        "SC401",
    ),
    "SC401 replaces the workflow": (
        boundary(
            "C",
            "Spec 111",
            "extends",
            "Spec 111 leaves gaps, so this candidate replaces its whole workflow.",
        ),
        "SC401",
    ),
    "SC402 B locks Livewire properties": (
        appending(
            "B",
            "scope",
            "Locking tenantId and workspaceId public properties in Livewire components with "
            "#[Locked].",
        ),
        "SC402",
    ),
    "SC402 A takes on the findings lifecycle": (
        appending("A", "key_requirements", "Finding transitions MUST be checked by the job."),
        "SC402",
    ),
    "SC501 only a non-goal names it": (
        combined(
            scrubbing("B", "route model binding"),
            appending("B", "non_goals", "Route model binding is handled elsewhere."),
        ),
        "SC501",
    ),
    "SC602 possibly in a decision": (
        setting("A", summary="The gate should possibly run before handle()."),
        "SC602",
    ),
    "SC302 a label over no list of cases": (
        statement("D", LIVEWIRE, "Yes: Livewire is used in the onboarding wizard."),
        "SC302",
    ),
    "SC303 a negated label": (
        statement("B", NEGATIVE, "Not required: wrong-tenant access by URL; tampered payload."),
        "SC303",
    ),
    "SC303 a label over nothing of the concept": (
        statement("D", NEGATIVE, "Required: none for this candidate."),
        "SC303",
    ),
    "SC303 a label that does not assert": (
        statement(
            "A",
            NEGATIVE,
            "Planned: revoked membership between dispatch and handle; tampered payload; "
            "non-operable tenant.",
        ),
        "SC303",
    ),
    "SC202 bare numbers after the highest spec": (
        lambda d: d.update(numbering_strategy="The natural choice is 139 and 140, after Spec 138."),
        "SC202",
    ),
    "SC401 C re-specifies what Spec 111 owns": (
        appending("C", "scope", "SLA due dates derived from severity and breach notifications."),
        "SC401",
    ),
    "SC602 it helps to": (
        lambda d: d.update(numbering_strategy="It helps to give out numbers in delivery order."),
        "SC602",
    ),
    # SC602: informal in some readings only.
    "SC602 to be fair (British)": (
        setting("D", summary="To be fair, the wizard is the component that needs it most."),
        "SC602",
    ),
    "SC602 to be fair as a purpose": (
        setting("B", summary="Query slots are allocated per tenant so as to be fair to each."),
        "SC602",
    ),
    "SC602 the end of the day as a time": (
        setting("C", summary="Reconciliation runs at the end of the day and records each change."),
        "SC602",
    ),
    "SC602 OK as a status": (
        setting("A", target_model="The gate returns OK so the job continues; else it denies."),
        "SC602",
    ),
    "SC602 loads of a component": (
        setting("D", summary="Repeated loads of the component re-derive every identifier."),
        "SC602",
    ),
    "SC602 kind of as an adverb": (
        lambda d: d.update(numbering_strategy="The numbering kind of reflects the delivery order."),
        "SC602",
    ),
    "SC602 a couple of scary findings": (
        setting("A", why_needed_now="A couple of the findings are scary for every tenant."),
        "SC602",
    ),
    "SC602 a contraction": (
        setting("D", target_model="The component doesn't hold the client secret in public state."),
        "SC602",
    ),
    # SC301–SC304 and SC602: a hedged required statement does not assert it.
    "SC303 should ideally": (
        statement(
            "B",
            NEGATIVE,
            "Negative-path regression tests for wrong-tenant access should ideally be added.",
        ),
        "SC303",
    ),
    "SC303 ideally, as its own clause": (
        statement(
            "B",
            NEGATIVE,
            "Ideally, negative-path regression tests are required for wrong-tenant access.",
        ),
        "SC303",
    ),
    "SC301 if possible, as its own clause": (
        statement(
            "A",
            UI,
            "If possible, authorization is re-checked server-side, since UI-only authorization "
            "is insufficient.",
        ),
        "SC301",
    ),
    "SC303 where feasible, at the end": (
        statement(
            "C",
            NEGATIVE,
            "Regression tests must prove that rejected transitions stay rejected, where feasible.",
        ),
        "SC303",
    ),
    "SC303 RFC MAY": (
        statement(
            "C",
            NEGATIVE,
            "Regression tests MAY cover rejected transitions and other negative paths.",
        ),
        "SC303",
    ),
    "SC602 RFC MAY in a statement": (
        statement(
            "C",
            NEGATIVE,
            "Regression tests MAY cover rejected transitions and other negative paths.",
        ),
        "SC602",
    ),
    "SC304 could be extended": (
        statement(
            "A",
            AUDIT,
            "OperationRun semantics could be extended with a denied outcome where feasible.",
        ),
        "SC304",
    ),
}


def test_fixture_document_is_valid(
    valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    assert judge(valid_document, rules, uncertain) == []


def test_document_written_in_another_voice_is_valid(
    rules: PackRules, uncertain: NumberingEvidence
) -> None:
    assert judge(load_fixture("independent-result.json"), rules, uncertain) == []


@pytest.mark.parametrize("mutation", PARAPHRASES.values(), ids=PARAPHRASES.keys())
def test_paraphrase_passes(
    mutation: Mutation, valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    mutation(valid_document)
    _, findings = validate_document(valid_document, rules, uncertain)
    assert findings.violations == ()
    assert findings.needs_review == ()


@pytest.mark.parametrize(("mutation", "code"), BREACHES.values(), ids=BREACHES.keys())
def test_breach_is_reported_with_its_code(
    mutation: Mutation,
    code: str,
    valid_document: Document,
    rules: PackRules,
    uncertain: NumberingEvidence,
) -> None:
    mutation(valid_document)
    violations = judge(valid_document, rules, uncertain)
    assert code in codes(violations)
    flagged = next(violation for violation in violations if violation.code == code)
    assert flagged.location and flagged.message and flagged.hint


@pytest.mark.parametrize(("mutation", "code"), UNSURE.values(), ids=UNSURE.keys())
def test_what_the_terms_cannot_decide_is_left_for_review(
    mutation: Mutation,
    code: str,
    valid_document: Document,
    rules: PackRules,
    uncertain: NumberingEvidence,
) -> None:
    mutation(valid_document)
    _, findings = validate_document(valid_document, rules, uncertain)
    assert code not in codes(list(findings.violations))
    [item, *_] = [item for item in findings.needs_review if item.code == code]
    assert item.location and item.message and item.hint and item.evidence


@pytest.mark.parametrize(
    ("mutation", "quoted"),
    [
        (statement("B", NEGATIVE, "No negative-path regression tests are required."), "No neg"),
        (setting("B", summary="Queries should perhaps be scoped to the tenant."), "should perh"),
        (setting("A", status="Draft"), "Draft"),
        (
            lambda d: d.update(numbering_strategy="Keep labels. Assign 139 to 142 later on."),
            "Assign 139 to 142 later on.",
        ),
    ],
)
def test_every_violation_quotes_the_text_it_judged(
    mutation: Mutation,
    quoted: str,
    valid_document: Document,
    rules: PackRules,
    uncertain: NumberingEvidence,
) -> None:
    mutation(valid_document)
    [violation] = judge(valid_document, rules, uncertain)
    assert quoted in violation.evidence
    assert "Keep labels" not in violation.evidence


def test_evidence_is_trimmed(
    valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    reason = "since the existing suite already covers the happy path of every page, "
    statement("B", NEGATIVE, "No negative-path regression tests are required, " + reason * 20)(
        valid_document
    )
    [violation] = judge(valid_document, rules, uncertain)
    said = valid_document["candidates"][1]["explicit_statements"][NEGATIVE]
    assert len(violation.evidence) <= 300
    assert violation.evidence in said and "…" not in violation.evidence


def test_violation_names_the_candidate_and_field(
    valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    statement("A", LIVEWIRE, None)(valid_document)
    [violation] = judge(valid_document, rules, uncertain)
    assert violation.location == f"Candidate A > explicit_statements.{LIVEWIRE}"


def test_proven_numbers_may_label_candidates(valid_document: Document, rules: PackRules) -> None:
    for letter, number in zip("ABCD", (139, 140, 141, 142), strict=True):
        setting(letter, spec_number=number, label=f"Spec {number}")(valid_document)
    labels = [f"Spec {number}" for number in (139, 140, 141, 142)]
    valid_document["recommended_implementation_order"] = labels
    valid_document["parallel_tracks"] = [{"candidates": labels[:2], "rationale": "Disjoint."}]
    valid_document["start_first"]["candidate"] = labels[0]
    valid_document["candidates"][2]["dependencies_and_sequencing"] = "After Spec 139."
    assert judge(valid_document, rules, PROVEN) == []


@pytest.mark.parametrize(
    ("number", "message"),
    [(138, "already exists"), (150, "not among the available numbers")],
)
def test_proven_evidence_still_refuses_existing_or_unavailable_numbers(
    valid_document: Document, rules: PackRules, number: int, message: str
) -> None:
    setting("D", spec_number=number, label=f"Spec {number}")(valid_document)
    violations = [v for v in judge(valid_document, rules, PROVEN) if v.code == "SC201"]
    assert any(message in violation.message for violation in violations)


def test_a_proven_number_used_twice_is_refused(valid_document: Document, rules: PackRules) -> None:
    setting("A", spec_number=139, label="Spec 139")(valid_document)
    setting("B", spec_number=139, label="Spec 139")(valid_document)
    violations = judge(valid_document, rules, PROVEN)
    assert any("more than one candidate" in v.message for v in violations if v.code == "SC201")


def test_numbering_strategy_is_optional_when_proven(
    valid_document: Document, rules: PackRules
) -> None:
    valid_document["numbering_strategy"] = ""
    assert judge(valid_document, rules, PROVEN) == []


FOUR_DIGITS = NumberingEvidence(
    "proven", (998, 999, 1000, 1001), (1002, 1003, 1004, 1005), ("specs/ directories",), "test"
)


def test_a_year_after_a_spec_number_is_not_a_spec(
    valid_document: Document, rules: PackRules, uncertain: NumberingEvidence
) -> None:
    boundary = candidate(valid_document, "A")["boundary_to_existing_specs"][0]
    boundary["spec"] = "Spec 138, 2024 revision"
    assert not [v for v in judge(valid_document, rules, PROVEN) if v.code == "SC401"]


def test_available_numbers_past_999_are_read_whole(
    valid_document: Document, rules: PackRules
) -> None:
    """Numbers in use end at 999, available ones go on: "Spec 1007" was never available."""
    evidence = NumberingEvidence(
        "proven", (110, 111, 134, 138, 999), (1000, 1001, 1002, 1003), ("specs/",), "test"
    )
    setting("B", summary="This becomes Spec 1007 once merged.")(valid_document)
    [invented] = [v for v in judge(valid_document, rules, evidence) if v.code == "SC202"]
    assert "1007" in invented.message


def test_a_repository_past_999_has_its_numbers_read_whole(
    valid_document: Document, rules: PackRules
) -> None:
    """A boundary to Spec 1000 holds; "Spec 1009" names a number that was never available."""
    candidate(valid_document, "A")["boundary_to_existing_specs"][0]["spec"] = "Spec 1000"
    setting("B", summary="This extends Spec 1000 and becomes specs/1009-tenant-queries.")(
        valid_document
    )
    violations = judge(valid_document, rules, FOUR_DIGITS)
    assert "Candidate A > boundary_to_existing_specs[0].spec" not in {
        v.location for v in violations
    }
    [invented] = [v for v in violations if v.location == "Candidate B > summary"]
    assert invented.code == "SC202"
    assert "1009" in invented.message
    assert "1000" not in invented.message
