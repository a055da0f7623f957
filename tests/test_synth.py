"""Tests for the synthetic 835 generator: envelopes, segment counts, balancing, demo story."""

import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from addin.demo.synth import PAYERS, SynthPayer, demo_remits, synth_835, write_835

# Written out here, not imported, so a real-looking name added to the generator fails a test.
PATIENT_LAST = {
    "TESTPATIENT",
    "SAMPLE",
    "EXAMPLE",
    "DEMO",
    "SYNTHETIC",
    "FICTION",
    "MOCKER",
    "PLACEHOLDER",
}
CLINICIAN_LAST = {"TESTDOC", "SAMPLEDOC", "EXAMPLEDOC", "DEMODOC"}
NATO = {
    "ALPHA",
    "BRAVO",
    "CHARLIE",
    "DELTA",
    "ECHO",
    "FOXTROT",
    "GOLF",
    "HOTEL",
    "INDIA",
    "JULIETT",
    "KILO",
    "LIMA",
    "MIKE",
    "NOVEMBER",
    "OSCAR",
    "PAPA",
    "QUEBEC",
    "ROMEO",
    "SIERRA",
    "TANGO",
    "UNIFORM",
    "VICTOR",
    "WHISKEY",
    "XRAY",
    "YANKEE",
    "ZULU",
}
REQUIRED_CODES = {
    "CO-16",
    "CO-29",
    "CO-50",
    "CO-97",
    "CO-197",
    "OA-18",
    "CO-22",
    "CO-27",
    "CO-45",
    "PR-1",
    "PR-2",
    "PR-3",
    "CO-4",
    "CO-11",
    "CO-151",
    "CO-96",
    "CO-109",
    "CO-252",
}
DENIAL_GROUPS = {"CO", "OA"}
NOT_DENIALS = {"CO-45"}


def segments(text):
    """Split 835 text (delimiters * : ~) into lists of elements."""
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def money(value):
    return Decimal(value) if value else Decimal(0)


def claims_of(text):
    """Claims as dicts: clp, nm1 (QC), cas (claim level), lines: [{svc, cas, lq, ref}]."""
    claims, claim, line = [], None, None
    for seg in segments(text):
        tag = seg[0]
        if tag == "CLP":
            claim, line = {"clp": seg, "cas": [], "lines": [], "names": []}, None
            claims.append(claim)
        elif tag in ("SE", "PLB"):
            claim = line = None
        elif claim is None:
            continue
        elif tag == "SVC":
            line = {"svc": seg, "cas": [], "lq": [], "ref": None}
            claim["lines"].append(line)
        elif tag == "NM1":
            claim["names"].append(seg)
        elif tag == "CAS":
            (line or claim)["cas"].append(seg)
        elif tag == "LQ" and line:
            line["lq"].append(seg[2])
        elif tag == "REF" and seg[1] == "6R" and line:
            line["ref"] = seg[2]
    return claims


def adjustments(cas_segments):
    """(group, carc, amount) for every triplet of the given CAS segments."""
    found = []
    for seg in cas_segments:
        for i in range(2, len(seg), 3):
            if seg[i]:
                found.append((seg[1], seg[i], money(seg[i + 1])))
    return found


def key_of(text, claim):
    payer_id = next(s[4] for s in segments(text) if s[:2] == ["N1", "PR"])
    member = next(n[9] for n in claim["names"] if n[1] == "QC")
    return payer_id, claim["clp"][1], member


@pytest.fixture(scope="module")
def demo():
    return demo_remits()


@pytest.fixture(scope="module")
def all_texts(demo):
    extra = [synth_835(40, seed=s) for s in (0, 7)]
    return [text for _, text in demo] + extra


def test_same_seed_gives_same_bytes():
    assert synth_835(25, seed=3) == synth_835(25, seed=3)
    assert synth_835(25, seed=3) != synth_835(25, seed=4)


def test_demo_is_deterministic(demo):
    assert demo_remits() == demo
    assert demo_remits(seed=1) != demo


def test_write_835_streams_the_same_text():
    out = io.StringIO()
    write_835(out, 300, seed=11)
    assert out.getvalue() == synth_835(300, seed=11)


def test_payer_and_payment_date_are_used():
    payer = SynthPayer("TEST PAYER OF NOWHERE", "99999", "ZZ")
    text = synth_835(5, seed=2, payer=payer, payment_date=date(2026, 3, 13))
    bpr = next(s for s in segments(text) if s[0] == "BPR")
    assert bpr[16] == "20260313"
    assert ["N1", "PR", "TEST PAYER OF NOWHERE", "XV", "99999"] in segments(text)


def test_zero_claims_is_a_valid_notice():
    segs = segments(synth_835(0))
    assert next(s for s in segs if s[0] == "BPR")[1:3] == ["H", "0"]
    assert not [s for s in segs if s[0] in ("LX", "CLP")]


def test_negative_claims_are_refused():
    with pytest.raises(ValueError):
        synth_835(-1)


def test_envelope(all_texts):
    for text in all_texts:
        assert text.index("~") + 1 == 106
        segs = segments(text)
        isa, gs, st = segs[0], segs[1], segs[2]
        ge, iea = segs[-2], segs[-1]
        assert (isa[11], isa[12], isa[15], isa[16]) == ("^", "00501", "T", ":")
        assert gs[8] == "005010X221A1"
        assert st == ["ST", "835", "0001"]  # the 835 guide marks ST03 "not used"
        assert iea == ["IEA", "1", isa[13]]
        assert ge == ["GE", "1", gs[6]]


def test_segment_count_matches_se01(all_texts):
    for text in all_texts:
        segs = segments(text)
        start = next(i for i, s in enumerate(segs) if s[0] == "ST")
        end = next(i for i, s in enumerate(segs) if s[0] == "SE")
        assert int(segs[end][1]) == end - start + 1
        assert segs[end][2] == segs[start][2]


def test_every_line_balances(all_texts):
    for text in all_texts:
        for claim in claims_of(text):
            for line in claim["lines"]:
                charge, paid = money(line["svc"][2]), money(line["svc"][3])
                assert charge - paid == sum(a for _, _, a in adjustments(line["cas"])), line


def test_every_claim_balances(all_texts):
    for text in all_texts:
        for claim in claims_of(text):
            clp = claim["clp"]
            cas = adjustments(claim["cas"]) + [
                a for line in claim["lines"] for a in adjustments(line["cas"])
            ]
            assert money(clp[3]) - money(clp[4]) == sum(a for _, _, a in cas), clp
            assert money(clp[3]) == sum(money(line["svc"][2]) for line in claim["lines"])
            assert money(clp[5]) == sum(a for g, _, a in cas if g == "PR"), clp


def test_every_transaction_balances(all_texts):
    for text in all_texts:
        segs = segments(text)
        bpr = next(s for s in segs if s[0] == "BPR")
        paid = sum(money(s[4]) for s in segs if s[0] == "CLP")
        plb = sum(money(s[i]) for s in segs if s[0] == "PLB" for i in range(4, len(s), 2))
        assert money(bpr[2]) == paid - plb


def test_money_has_no_trailing_zeros(all_texts):
    for text in all_texts:
        for seg in segments(text):
            if seg[0] in ("CLP", "SVC", "BPR", "AMT"):
                amounts = [v for v in seg[2:5] if v and v[-1:].isdigit() and "." in v]
                assert all(not v.endswith("0") for v in amounts), seg


def test_only_synthetic_people(all_texts):
    for text in all_texts:
        for seg in segments(text):
            if seg[:2] == ["NM1", "QC"]:
                assert seg[3] in PATIENT_LAST and seg[4] in NATO, seg
                assert seg[9].startswith("SYN"), seg
            elif seg[:2] == ["NM1", "82"]:
                assert seg[3] in CLINICIAN_LAST and seg[4] in NATO, seg
                assert seg[9].startswith("99999"), seg
            elif seg[:2] == ["N1", "PE"]:
                assert seg[4].startswith("99999"), seg


def test_demo_shape(demo):
    names = [name for name, _ in demo]
    assert len(names) == len(set(names))
    months = {name[:7] for name in names}
    payers = {key_of(text, claims_of(text)[0])[0] for _, text in demo}
    assert len(months) >= 4 and len(payers) >= 4
    assert all(m.startswith("2026-") for m in months)
    assert "2026-06_ACME-HEALTH-PLAN.835" in names


def test_demo_has_a_few_hundred_claims_with_a_realistic_denial_rate(demo):
    first_seen = {}
    for _, text in demo:
        for claim in claims_of(text):
            first_seen.setdefault(key_of(text, claim), claim)
    assert 250 <= len(first_seen) <= 450
    denied = [c for c in first_seen.values() if _denial_codes(c)]
    assert 0.10 <= len(denied) / len(first_seen) <= 0.15


def _denial_codes(claim):
    found = adjustments(claim["cas"]) + [
        a for line in claim["lines"] for a in adjustments(line["cas"])
    ]
    return {f"{g}-{c}" for g, c, _ in found if g in DENIAL_GROUPS} - NOT_DENIALS


def test_demo_has_every_required_code(demo):
    codes, remarks = set(), Counter()
    for _, text in demo:
        for claim in claims_of(text):
            for line in claim["lines"]:
                line_codes = {f"{g}-{c}" for g, c, _ in adjustments(line["cas"])}
                codes |= line_codes
                remarks.update((code, rarc) for code in line_codes for rarc in line["lq"])
    assert REQUIRED_CODES <= codes
    for rarc in ("MA130", "N290", "M51"):
        assert remarks[("CO-16", rarc)], rarc
    assert remarks[("CO-96", "N130")]


def _history(demo):
    """claim key -> [(file name, claim)] in file order."""
    history = {}
    for name, text in sorted(demo):
        for claim in claims_of(text):
            history.setdefault(key_of(text, claim), []).append((name, claim))
    return history


def test_denied_claims_are_later_paid_and_some_denied_again(demo):
    overturned = upheld = 0
    for events in _history(demo).values():
        (first_file, first), *later = events
        if first["clp"][2] != "4":
            continue
        for name, claim in later:
            assert name[:7] > first_file[:7]
            assert claim["clp"][7] != first["clp"][7]
            assert [line["svc"][1] for line in claim["lines"]] == [
                line["svc"][1] for line in first["lines"]
            ]
            if claim["clp"][2] == "1" and money(claim["clp"][4]) > 0:
                overturned += 1
            elif claim["clp"][2] == "4" and _denial_codes(claim) == _denial_codes(first):
                upheld += 1
    assert overturned >= 1 and upheld >= 1


def test_reversal_negates_an_earlier_paid_claim_and_is_followed_by_the_correction(demo):
    reversals = 0
    for name, text in demo:
        claims = claims_of(text)
        for index, claim in enumerate(claims):
            if claim["clp"][2] != "22":
                continue
            reversals += 1
            earlier = [c for n, c in _history(demo)[key_of(text, claim)] if n < name]
            original = next(c for c in earlier if c["clp"][7] == claim["clp"][7])
            assert original["clp"][2] == "1" and money(original["clp"][4]) > 0
            for field in (3, 4, 5):
                assert money(claim["clp"][field]) == -money(original["clp"][field])
            assert adjustments(_all_cas(claim)) == [
                (g, c, -a) for g, c, a in adjustments(_all_cas(original))
            ]
            corrected = claims[index + 1]
            assert key_of(text, corrected) == key_of(text, claim)
            assert corrected["clp"][2] == "1" and corrected["clp"][7] != claim["clp"][7]
            assert corrected["clp"][4] != original["clp"][4]
    assert reversals >= 1


def _all_cas(claim):
    return claim["cas"] + [cas for line in claim["lines"] for cas in line["cas"]]


def test_demo_carries_one_provider_level_adjustment(demo):
    plbs = [s for _, text in demo for s in segments(text) if s[0] == "PLB"]
    assert len(plbs) == 1


def test_payers_are_fictional_and_distinct():
    assert len({p.payer_id for p in PAYERS}) == len(PAYERS) >= 4
    assert all(len(p.payer_id) == 5 and p.payer_id.isdigit() for p in PAYERS)
