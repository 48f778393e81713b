import threading

import pytest
from django.db import connection
from text_helpers import CHAIN

from accounts.roles import ORGANIZER
from campaign.errors import Conflict, DomainError, NotAllowed, TaskNotOpen
from campaign.events import EventKind, contribution_event
from campaign.models import Task
from campaign.services import tasks_set_status
from texttasks.decisions import (
    peer_validation_record,
    text_submission_decide,
    text_submission_reverse,
    text_submissions_decide_bulk,
)
from texttasks.models import ModerationPolicy, PeerValidation, Translation, VisualQuestion
from texttasks.prompts import generation_chain_create
from texttasks.questions import visual_question_create
from texttasks.translations import translation_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    heard = []

    def listen(sender, event, **kwargs):
        heard.append(event)

    contribution_event.connect(listen)
    yield heard
    contribution_event.disconnect(listen)


@pytest.fixture
def submitted_translation(translator, prompts):
    author = translator("tha")
    return translation_save(user=author, prompt_id=prompts[0].pk, text="คำแปล", submit=True)


def test_one_fellow_translator_accepts_a_translation_and_the_event_names_the_language(
    translator, submitted_translation, events, django_capture_on_commit_callbacks
):
    validator = translator("tha")

    with django_capture_on_commit_callbacks(execute=True):
        decided = peer_validation_record(
            validator=validator, task_number=3, submission_id=submitted_translation.pk, accepted=True
        )

    assert decided.status == "accepted" and decided.decided_at
    (event,) = events
    assert (event.kind, event.task_number, event.language_code) == (EventKind.ACCEPTED, 3, "tha")
    assert (event.source, event.source_id) == ("texttasks.translation", decided.pk)
    assert event.contributor_id == submitted_translation.contributor_id


def test_never_the_author_and_only_speakers_of_the_language(translator, make_user, submitted_translation):
    with pytest.raises(NotAllowed, match="your own"):
        peer_validation_record(
            validator=submitted_translation.contributor, task_number=3,
            submission_id=submitted_translation.pk, accepted=True,
        )  # fmt: skip
    with pytest.raises(NotAllowed, match="Only speakers"):
        peer_validation_record(validator=translator("lao"), task_number=3,
                               submission_id=submitted_translation.pk, accepted=True)  # fmt: skip
    with pytest.raises(NotAllowed, match="Only speakers"):
        peer_validation_record(validator=make_user(native_language="Thai (tha)"), task_number=3,
                               submission_id=submitted_translation.pk, accepted=True)  # fmt: skip
    assert Translation.objects.get().status == "pending"


def test_task4_needs_two_agreeing_validators_who_speak_the_language(make_user, pool):
    author = make_user(native_language="Thai (tha)")
    question = visual_question_create(
        user=author, image_id=pool[0].pk, language_code="tha", question="อาหารนี้ชื่ออะไร", answer="ส้มตำ"
    )
    first, second = make_user(native_language="Thai (tha)"), make_user(native_language="Thai (tha)")

    with pytest.raises(NotAllowed, match="Only speakers"):
        peer_validation_record(validator=make_user(native_language="Lao (lao)"), task_number=4,
                               submission_id=question.pk, accepted=True)  # fmt: skip
    assert (
        peer_validation_record(
            validator=first, task_number=4, submission_id=question.pk, accepted=True
        ).status
        == "pending"
    )
    with pytest.raises(Conflict, match="already validated"):
        peer_validation_record(validator=first, task_number=4, submission_id=question.pk, accepted=True)

    assert (
        peer_validation_record(
            validator=second, task_number=4, submission_id=question.pk, accepted=True
        ).status
        == "accepted"
    )


def test_peer_rejection_carries_the_reasons(make_user, pool):
    author = make_user(native_language="Thai (tha)")
    question = visual_question_create(
        user=author, image_id=pool[0].pk, language_code="tha", question="ขนมนี้ชื่ออะไร", answer="x"
    )
    ModerationPolicy.objects.filter(task_id=4).update(validators_needed=1)

    with pytest.raises(DomainError, match="Say why"):
        peer_validation_record(validator=make_user(native_language="Thai (tha)"), task_number=4,
                               submission_id=question.pk, accepted=False)  # fmt: skip
    decided = peer_validation_record(validator=make_user(native_language="Thai (tha)"), task_number=4,
                                     submission_id=question.pk, accepted=False, reason="Too generic.")  # fmt: skip
    assert decided.status == "rejected" and decided.rejection_reason == "Too generic."


def test_in_organizer_mode_peers_cannot_decide(make_user):
    author = make_user(country="ID")
    (level_1, *_rest) = generation_chain_create(user=author, country_code="ID", levels=CHAIN)

    with pytest.raises(NotAllowed, match="Organizers decide"):
        peer_validation_record(
            validator=make_user(country="ID"), task_number=5, submission_id=level_1.pk, accepted=True
        )


def test_organizers_bulk_decide_once_with_a_reason_and_events_carry_the_country(
    make_user, events, django_capture_on_commit_callbacks
):
    organizer = make_user(roles=(ORGANIZER,))
    levels = generation_chain_create(user=make_user(), country_code="KH", levels=CHAIN)
    ids = [level.pk for level in levels]

    with pytest.raises(DomainError, match="needs a reason"):
        text_submissions_decide_bulk(task_number=5, submission_ids=ids, accepted=False, decided_by=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        result = text_submissions_decide_bulk(
            task_number=5,
            submission_ids=ids[:2],
            accepted=False,
            reason="Not about Cambodia.",
            decided_by=organizer,
        )
        again = text_submissions_decide_bulk(
            task_number=5, submission_ids=ids, accepted=True, decided_by=organizer
        )

    assert (result.decided, result.skipped) == (2, 0)
    assert (again.decided, again.skipped) == (1, 2)  # the two rejected ones are decided already
    assert [e.kind for e in events] == [EventKind.REJECTED, EventKind.REJECTED, EventKind.ACCEPTED]
    assert {e.country_codes for e in events} == {("KH",)}
    with pytest.raises(Conflict):
        text_submission_decide(task_number=5, submission_id=ids[0], accepted=True, decided_by=organizer)


def test_an_acceptance_can_be_reversed_with_an_event(make_user, events, django_capture_on_commit_callbacks):
    organizer = make_user(roles=(ORGANIZER,))
    level = generation_chain_create(user=make_user(), country_code="LA", levels=CHAIN)[0]
    with django_capture_on_commit_callbacks(execute=True):
        text_submission_decide(task_number=5, submission_id=level.pk, accepted=True, decided_by=organizer)
        text_submission_reverse(task_number=5, submission_id=level.pk, reason="Copied.", decided_by=organizer)
    assert [e.kind for e in events] == [EventKind.ACCEPTED, EventKind.REVERSED]


def test_validating_is_refused_when_the_task_is_closed(translator, submitted_translation):
    validator = translator("tha")
    tasks_set_status(numbers=[3], status=Task.Status.CLOSED)
    with pytest.raises(TaskNotOpen):
        peer_validation_record(
            validator=validator, task_number=3, submission_id=submitted_translation.pk, accepted=True
        )


def test_the_credit_source_yields_accepted_text_submissions(make_user, translator, submitted_translation):
    from campaign.events import credit_sources

    organizer = make_user(roles=(ORGANIZER,))
    level = generation_chain_create(user=make_user(), country_code="TL", levels=CHAIN)[0]
    text_submission_decide(task_number=5, submission_id=level.pk, accepted=True, decided_by=organizer)
    text_submission_decide(
        task_number=3, submission_id=submitted_translation.pk, accepted=True, decided_by=organizer
    )

    events = list(credit_sources()["text"]())

    assert {(e.task_number, e.source_id, e.language_code, e.country_codes) for e in events} == {
        (3, submitted_translation.pk, "tha", ()),
        (5, level.pk, "", ("TL",)),
    }
    assert all(e.kind == EventKind.ACCEPTED for e in events)


@pytest.mark.django_db(transaction=True)
def test_two_validators_accepting_at_the_same_moment_decide_once(make_user, pool):
    ModerationPolicy.objects.filter(task_id=4).update(validators_needed=1)
    question = visual_question_create(
        user=make_user(native_language="Thai (tha)"), image_id=pool[0].pk, language_code="tha",
        question="ขนมนี้ทำจากอะไร", answer="แป้ง",
    )  # fmt: skip
    validators = [make_user(native_language="Thai (tha)") for _ in range(2)]
    heard = []
    contribution_event.connect(
        lambda sender, event, **kw: heard.append(event), weak=False, dispatch_uid="tt-race"
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def validate(validator):
        try:
            barrier.wait()
            peer_validation_record(
                validator=validator, task_number=4, submission_id=question.pk, accepted=True
            )
            outcomes.append("decided")
        except Conflict:
            outcomes.append("already decided")
        finally:
            connection.close()

    threads = [threading.Thread(target=validate, args=(v,)) for v in validators]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        contribution_event.disconnect(dispatch_uid="tt-race")

    assert sorted(outcomes) == ["already decided", "decided"]
    assert VisualQuestion.objects.get().status == "accepted"
    assert PeerValidation.objects.count() == 1
    assert [e.kind for e in heard] == [EventKind.ACCEPTED]
