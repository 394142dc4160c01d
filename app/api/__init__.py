"""The JSON API under /api: one router per resource."""

from fastapi import APIRouter

from app.api import estimate, explorations, runs, scenarios

router = APIRouter(prefix="/api")
router.include_router(scenarios.router)
router.include_router(runs.router)
router.include_router(estimate.router)
router.include_router(explorations.router)
