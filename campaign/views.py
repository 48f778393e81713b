from django.shortcuts import render

from campaign.selectors import tasks_for_home


def home(request):
    return render(request, "campaign/home.html", {"tasks": tasks_for_home()})


def faq(request):
    return render(request, "campaign/faq.html")
