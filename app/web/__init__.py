"""HTML pages: the dashboard, run permalinks and embeds."""

from fastapi import APIRouter

from app.web import embed, pages

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(embed.router)
