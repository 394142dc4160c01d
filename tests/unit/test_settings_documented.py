"""Every setting is documented in the README, with its default."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme_with_its_default() -> None:
    for name, field in Settings.model_fields.items():
        var = f"MPSCOPE_{name.upper()}"
        row = next((line for line in README.splitlines() if line.startswith(f"| `{var}` |")), None)
        assert row is not None, f"{var} is not documented in README.md"
        default = field.get_default(call_default_factory=True)
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        assert f"`{shown}`" in row, f"README gives another default for {var}: {row}"
