"""The bulk import of Task 1: a ZIP of images with the campaign's CSV, each row submitted through the
same service as the web form and the API.

parser.py reads the CSV and the ZIP (pure functions, the limits); services.py and selectors.py write and
read bulk imports; tasks.py, api.py, views.py, urls.py, forms.py and admin.py are its edges. Celery and
the admin find the tasks and the admin through contributions/tasks.py and contributions/admin.py.
"""
