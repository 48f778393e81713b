"""Pages of the text tasks: each view parses the form, calls one service and renders."""

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import organizer_required, profile_required
from campaign.errors import DomainError
from campaign.models import Task
from campaign.pagination import page_of
from campaign.selectors import task_get
from campaign.web import form_add_domain_error
from texttasks import decisions, edits, files, prompts, questions, selectors, translations
from texttasks.forms import (
    TEXT_TASKS,
    BulkDecisionForm,
    EnrollForm,
    GenerationChainForm,
    LanguagePickForm,
    ModerationFilterForm,
    QuestionEditForm,
    TextEditForm,
    TextPromptForm,
    TranslationForm,
    ValidationForm,
    VisualQuestionForm,
)
from texttasks.models import VisualQuestion

PAGE_SIZE = 25
# Lazy: translated when a page shows them, in the reader's language (not once, at import).
TRANSLATION_RULES = [
    gettext_lazy("Keep the meaning and the intent of the English prompt."),
    gettext_lazy("Write fluent, natural text, as a native speaker would."),
    gettext_lazy("Use standard grammar and spelling."),
    gettext_lazy("Match the formality of the original."),
    gettext_lazy("Follow the cultural norms of your language (forms of address, units, examples)."),
    gettext_lazy(
        "Handle names and technical terms sensibly: keep names, translate terms that have a common translation."
    ),
]
QUESTION_RULES = [
    gettext_lazy("Grounded in the image: ask about what is shown."),
    gettext_lazy(
        "Culturally salient: ask about the culture the image shows (food, dress, places, practices)."
    ),
    gettext_lazy("Answerable from the image alone, without outside knowledge of the photo."),
    gettext_lazy("No generic questions (“What is in this image?”) and no counting questions (“How many…?”)."),
]


def _submit(form, save: Callable[[dict], object]) -> object | None:
    """The form flow every text task shares: a valid form goes to its one service (`save`, given the
    cleaned data); a refusal of the service lands on the form's fields. Returns what the service
    returned (a row or rows), or None when the form is to be shown again with its errors."""
    if not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except DomainError as error:
        form_add_domain_error(form, error)
        return None


def _task(number: int) -> Task:
    return task_get(number=number)


def _page(request, queryset):
    page = page_of(request, queryset, PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    page.query = params.urlencode()  # the filters, kept by the pagination links
    return page


# --- Task 3 -------------------------------------------------------------------------------------------


@profile_required
def translations_home(request):
    enrollment = selectors.enrollment_of(user=request.user)
    progress = selectors.translation_progress()
    context = {"task": _task(3), "progress": progress, "enrollment": enrollment}
    if enrollment is None:
        context["form"] = EnrollForm()
        return render(request, "texttasks/translations_enroll.html", context)
    listed = selectors.prompts_for_translator(user=request.user, language=enrollment.language)
    context.update(
        page=_page(request, listed),
        mine=next((p for p in progress if p.language.code == enrollment.language_id), None),
        next_prompt=selectors.next_prompt_for(user=request.user, language=enrollment.language),
        own_done=selectors.translations_counted_of(user=request.user),
    )
    return render(request, "texttasks/translations_home.html", context)


@profile_required
@require_POST
def translator_enroll(request):
    form = EnrollForm(request.POST)
    enrollment = _submit(
        form, lambda data: translations.translator_enroll(user=request.user, language_code=data["language"])
    )
    if enrollment is not None:
        messages.success(
            request,
            _("You translate into %(language)s. Thank you!") % {"language": enrollment.language.display_name},
        )
        return redirect("texttasks:translations")
    context = {"task": _task(3), "progress": selectors.translation_progress(), "form": form}
    return render(request, "texttasks/translations_enroll.html", context, status=400)


@profile_required
def translate(request, prompt_id: int):
    enrollment = selectors.enrollment_of(user=request.user)
    if enrollment is None:
        messages.info(request, _("Enrol for a language first."))
        return redirect("texttasks:translations")
    prompt = selectors.benchmark_prompt(prompt_id=prompt_id)
    if prompt is None:
        raise Http404
    language = enrollment.language
    existing = selectors.translation_of(user=request.user, prompt=prompt, language=language)
    draft = selectors.draft_for(prompt=prompt, language=language)
    if request.method == "POST":
        form = TranslationForm(request.POST)
        submit = request.POST.get("action") == "submit"
        saved = _submit(
            form,
            lambda data: translations.translation_save(
                user=request.user, prompt_id=prompt.pk, text=data["text"], submit=submit
            ),
        )
        if saved is not None:
            if saved.status == saved.Status.DRAFT:
                messages.success(request, _("Your draft is saved."))
                return redirect("texttasks:translate", prompt_id=prompt.pk)
            if not submit:  # an edit of a translation already submitted: it stays submitted
                messages.success(request, _("Your changes are saved."))
                return redirect("texttasks:translate", prompt_id=prompt.pk)
            messages.success(request, _("Your translation is submitted."))
            following = selectors.next_prompt_for(user=request.user, language=language)
            if following is not None:
                return redirect("texttasks:translate", prompt_id=following.pk)
            return redirect("texttasks:translations")
    else:
        initial = existing.text if existing else (draft.text if draft else "")
        form = TranslationForm(initial={"text": initial})
    context = {
        "task": _task(3),
        "prompt": prompt,
        "language": language,
        "existing": existing,
        "draft": draft,
        "form": form,
        "rules": TRANSLATION_RULES,
        "read_only": existing is not None and not existing.is_editable,
    }
    return render(request, "texttasks/translate.html", context)


@login_required
def prompt_image(request, prompt_id: int, number: int):
    return files.file_response(files.prompt_image_file(prompt_id=prompt_id, number=number))


# --- Task 4 -------------------------------------------------------------------------------------------


@profile_required
def visual_questions(request):
    task = _task(4)
    pick = LanguagePickForm(request.GET or None)
    context = {"task": task, "pick": pick, "rules": QUESTION_RULES}
    if request.method == "POST":
        form = VisualQuestionForm(request.POST)
        language_code = request.POST.get("language", "")
        countries = request.POST.getlist("countries")
        created = _submit(
            form,
            lambda data: questions.visual_question_create(
                user=request.user,
                image_id=data["image"],
                language_code=data["language"],
                question=data["question"],
                answer=data["answer"],
            ),
        )
        if created is not None:
            messages.success(request, _("Your question is submitted. Here is another image."))
            query = urlencode({"language": language_code, "countries": countries}, doseq=True)
            return redirect(f"{reverse('texttasks:visual-questions')}?{query}")
        image_id = request.POST.get("image", "")
        image = selectors.pool_image_of(image_id=int(image_id) if image_id.isdigit() else None)
        language = selectors.language_of(code=language_code)
        context.update(form=form, image=image, language=language, countries=countries)
        return render(request, "texttasks/visual_questions.html", context, status=400)
    if pick.is_bound and pick.is_valid():
        language_code = pick.cleaned_data["language"]
        try:
            language = questions.speaker_language_choose(user=request.user, language_code=language_code)
        except DomainError as error:
            form_add_domain_error(pick, error)
        else:
            countries = pick.cleaned_data["countries"]
            skip = [int(pk) for pk in request.GET.getlist("skip") if pk.isdigit()]
            image = selectors.next_image_for(user=request.user, countries=countries, exclude_ids=skip)
            form = VisualQuestionForm(
                initial={"image": image.pk if image else None, "language": language.code}
            )
            context.update(form=form, image=image, language=language, countries=countries, skip=skip)
    return render(request, "texttasks/visual_questions.html", context)


@login_required
def pool_image(request, image_id: int):
    return files.file_response(files.pool_image_file(image_id=image_id))


# --- Task 5 and 6 -------------------------------------------------------------------------------------


@profile_required
def generation_prompts(request):
    form = GenerationChainForm(request.POST or None)
    if request.method == "POST" and _submit(
        form,
        lambda data: prompts.generation_chain_create(
            user=request.user, country_code=data["country"], levels=form.levels
        ),
    ):
        messages.success(request, _("Your three prompts are submitted. Thank you!"))
        return redirect("texttasks:generation-prompts")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "texttasks/generation_prompts.html", {"task": _task(5), "form": form}, status=status
    )


@profile_required
def generation_chain_edit(request, chain_id: uuid.UUID):
    chain = selectors.chain_of(user=request.user, chain_id=chain_id)
    if not chain:
        raise Http404
    initial = {"country": chain[0].country_id, **{f"level_{row.level}": row.text for row in chain}}
    form = GenerationChainForm(request.POST or None, initial=initial)
    if request.method == "POST" and _submit(
        form,
        lambda data: prompts.generation_chain_update(
            user=request.user, chain_id=chain_id, country_code=data["country"], levels=form.levels
        ),
    ):
        messages.success(request, _("Your prompts are saved."))
        return redirect(f"{reverse('texttasks:mine')}?task=5")
    context = {"task": _task(5), "form": form, "chain": chain, "editing": True}
    return render(request, "texttasks/generation_prompts.html", context)


@profile_required
def text_prompts(request):
    task = _task(6)
    form = TextPromptForm(request.POST or None)
    if request.method == "POST" and _submit(
        form,
        lambda data: prompts.text_prompt_create(
            user=request.user, language_code=data["language"], country_code=data["country"], text=data["text"]
        ),
    ):
        messages.success(request, _("Your prompt is submitted. Thank you!"))
        return redirect("texttasks:text-prompts")
    status = 400 if request.method == "POST" else 200
    return render(request, "texttasks/text_prompts.html", {"task": task, "form": form}, status=status)


# --- One's own submissions ----------------------------------------------------------------------------


def _task_param(request, default: int = 3) -> int:
    try:
        number = int(request.GET.get("task") or default)
    except ValueError:
        number = default
    return number if number in (3, 4, 5, 6) else default


@profile_required
def my_submissions(request):
    task_number = _task_param(request)
    page = _page(request, selectors.own_submissions(user=request.user, task_number=task_number))
    context = {"task": _task(task_number), "tasks": TEXT_TASKS, "task_number": task_number, "page": page}
    return render(request, "texttasks/mine.html", context)


@profile_required
def submission_edit(request, task_number: int, submission_id: int):
    submission = selectors.own_submission(
        user=request.user, task_number=task_number, submission_id=submission_id
    )
    if submission is None:
        raise Http404
    if task_number == 5:
        return redirect("texttasks:generation-chain-edit", chain_id=submission.chain_id)
    is_question = isinstance(submission, VisualQuestion)
    form_class = QuestionEditForm if is_question else TextEditForm
    if is_question:
        initial = {"question": submission.question, "answer": submission.answer}
    else:
        initial = {"text": submission.text}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and _submit(
        form,
        lambda data: edits.text_submission_update(
            user=request.user, task_number=task_number, submission_id=submission.pk, fields=data
        ),
    ):
        messages.success(request, _("Your changes are saved."))
        return redirect(f"{reverse('texttasks:mine')}?task={task_number}")
    context = {"task": _task(task_number), "submission": submission, "form": form}
    return render(request, "texttasks/edit.html", context)


@profile_required
@require_POST
def submission_withdraw(request, task_number: int, submission_id: int):
    try:
        edits.text_submission_withdraw(
            user=request.user, task_number=task_number, submission_id=submission_id
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your submission is withdrawn."))
    return redirect(f"{reverse('texttasks:mine')}?task={task_number}")


# --- Peer validation and moderation -------------------------------------------------------------------


@profile_required
def validate(request):
    task_number = _task_param(request, default=3)
    if request.method == "POST":
        form = ValidationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decisions.peer_validation_record(
                    validator=request.user,
                    task_number=task_number,
                    submission_id=data["submission"],
                    accepted=data["verdict"] == "accept",
                    reason=data["reason"],
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Thank you: your verdict is recorded."))
        else:
            messages.error(request, _("Choose accept or reject."))
        return redirect(f"{reverse('texttasks:validate')}?task={task_number}")
    policy = selectors.moderation_policy_of(task_number=task_number)
    page = _page(request, selectors.validation_queue(user=request.user, task_number=task_number))
    context = {
        "task": _task(task_number),
        "tasks": TEXT_TASKS,
        "task_number": task_number,
        "policy": policy,
        "page": page,
    }
    return render(request, "texttasks/validate.html", context)


@organizer_required
def moderation(request):
    filters = ModerationFilterForm(request.GET or None)
    data = (
        filters.cleaned_data if filters.is_bound and filters.is_valid() else {"task": 3, "status": "pending"}
    )
    task_number = data.get("task") or 3
    decision_form = BulkDecisionForm(request.POST or None)
    if request.method == "POST":
        ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
        if not ids:
            messages.error(request, _("Select at least one submission."))
        elif decision_form.is_valid():
            try:
                result = decisions.text_submissions_decide_bulk(
                    task_number=task_number,
                    submission_ids=ids,
                    accepted=decision_form.cleaned_data["decision"] == "accept",
                    reason=decision_form.cleaned_data["reason"],
                    decided_by=request.user,
                )
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d submission decided.", "%(count)d submissions decided.", result.decided
                    )
                    % {"count": result.decided},
                )
                if result.skipped:
                    messages.warning(
                        request,
                        ngettext(
                            "%(count)d was no longer pending and was left as it is.",
                            "%(count)d were no longer pending and were left as they are.",
                            result.skipped,
                        )
                        % {"count": result.skipped},
                    )
                return redirect(request.get_full_path())
    submissions = selectors.moderation_list(
        task_number=task_number,
        status=data.get("status", ""),
        language=data.get("language", ""),
        country=data.get("country", ""),
    )
    context = {
        "filters": filters if filters.is_bound else ModerationFilterForm(),
        "decision_form": decision_form,
        "task_number": task_number,
        "page": _page(request, submissions),
        "progress": selectors.translation_progress() if task_number == 3 else None,
        "policy": selectors.moderation_policy_of(task_number=task_number),
    }
    return render(request, "texttasks/moderation.html", context)


def hub(request):
    """Tasks 3 to 6 at a glance, with where to start each."""
    tasks = selectors.text_tasks()
    links = {
        3: reverse("texttasks:translations"),
        4: reverse("texttasks:visual-questions"),
        5: reverse("texttasks:generation-prompts"),
        6: reverse("texttasks:text-prompts"),
    }
    rows = [(task, links[task.number]) for task in tasks]
    return render(request, "texttasks/hub.html", {"rows": rows})
