"""mpscope: see how Python processes communicate."""

__version__ = "0.1.0"
