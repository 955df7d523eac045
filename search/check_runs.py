"""A run of the index check: every locale compared, repaired on request, and recorded as a
`CheckRun`; what `search_check` and the dashboard's "fix" job both run."""

from collections.abc import Sequence
from dataclasses import dataclass

from .check import Differences, compare
from .client import elasticsearch_client
from .documents import current_versions
from .indexer import WriteStats, sync
from .indices import locales as all_locales
from .models import CheckRun


@dataclass(frozen=True)
class LocaleCheck:
    differences: Differences
    repair: WriteStats | None = None  # when fixed

    @property
    def differs(self) -> bool:
        """Whether the index still differs once the run is over."""
        if self.differences.outdated:  # only a rebuild (search_reindex) helps
            return True
        if self.repair is not None:  # refused writes: a newer version is in the index
            return self.repair.stale > 0
        return bool(self.differences)


@dataclass(frozen=True)
class CheckOutcome:
    run: CheckRun
    locales: list[LocaleCheck]

    @property
    def differing(self) -> list[str]:
        return [check.differences.locale for check in self.locales if check.differs]


def search_check_run(*, locales: Sequence[str] | None = None, fix: bool = False) -> CheckOutcome:
    """Compare the index with the database in each locale (all by default), rewrite or
    delete the differing documents if `fix`, and record the run.

    The run is `fixed` when every difference found was repaired; the differences it counts
    are those found before any repair.
    """
    client = elasticsearch_client()
    checks = []
    for locale in locales or all_locales():
        differences = compare(client, locale)
        repair = None
        if fix and differences and not differences.outdated:
            keys = differences.keys()
            versions = current_versions(keys)
            repair = sync(client, {key: versions.get(key, 0) for key in keys}, repair=True)
        checks.append(LocaleCheck(differences, repair))
    run = CheckRun.objects.create(
        differences=sum(_count(check.differences) for check in checks),
        locales={check.differences.locale: _summary(check.differences) for check in checks},
        fixed=fix and not any(check.differs for check in checks),
    )
    return CheckOutcome(run, checks)


def _count(differences: Differences) -> int:
    return len(differences.missing) + len(differences.unexpected) + len(differences.stale)


def _summary(differences: Differences) -> dict[str, int | bool]:
    return {
        "expected": differences.expected,
        "indexed": differences.indexed,
        "missing": len(differences.missing),
        "unexpected": len(differences.unexpected),
        "stale": len(differences.stale),
        "outdated": differences.outdated,
    }
