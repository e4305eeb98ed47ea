from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {"elderly_mode": request.COOKIES.get("zhengwu_elderly") == "1"}
