"""HTML pages: the dashboard (and later run permalinks and embeds)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
