import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@login_not_required
@never_cache
def health(request):
    """For load balancers and compose health checks: 200 when the database and Redis answer."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(state in ("ok", "not configured") for state in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _check_redis():
    if not settings.REDIS_URL:
        return "not configured"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError as error:
        return f"error: {type(error).__name__}"
    return "ok"
