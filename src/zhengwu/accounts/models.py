from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Placeholder until the accounts models land."""
