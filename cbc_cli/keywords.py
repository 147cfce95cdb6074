"""The keywords that describe one person, and the ``cbc check`` option each stands for.

One list for the library's keywords (``cbc_cli.api.KEYWORDS`` starts with it) and for the
settings files, which refuse these keys (``cbc_cli.config``): a person's details differ from one
person to the next, so no settings file may give them a default. Plain data, importing nothing:
both modules import it, neither imports the other for it.
"""

from __future__ import annotations

from types import MappingProxyType

PERSON_KEYWORDS: MappingProxyType[str, str] = MappingProxyType(
    {
        "sex": "--sex",
        "age": "--age",
        "dob": "--dob",
        "collected": "--collected",
        "pregnant": "--pregnant",
        "profile": "--profile",
        "profiles": "--profile",
        "temp": "--temp",
        "temperature": "--temp",
        "days_since_chemo": "--days-since-chemo",
        "transplant": "--transplant",
    }
)
"""Keyword -> the ``cbc check`` option that gives that detail of the person."""
