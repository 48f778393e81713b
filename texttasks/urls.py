app_name = "texttasks"
urlpatterns: list = []
