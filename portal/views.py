from django.shortcuts import render
from django.urls import reverse

from accounts.roles import is_annotator
from campaign.selectors import tasks_for_home

# Where each task's work starts (URL names of the apps that own the tasks).
TASK_PAGES = {
    1: "contributions:new",
    2: "review:screening",
    3: "texttasks:translations",
    4: "texttasks:visual-questions",
    5: "texttasks:generation-prompts",
    6: "texttasks:text-prompts",
}


def home(request):
    tasks = list(tasks_for_home())
    for task in tasks:
        page = TASK_PAGES.get(task.number)
        if task.number == 2 and is_annotator(request.user):
            page = "review:queue"
        task.page_url = reverse(page) if page and task.is_open else ""
    return render(request, "campaign/home.html", {"tasks": tasks})


def faq(request):
    return render(request, "campaign/faq.html")
