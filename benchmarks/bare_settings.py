"""The production settings with the bare view routed too, for the throughput floor."""

from cccadmin.settings import *  # noqa: F403 - the production settings, unchanged but for this

ROOT_URLCONF = "benchmarks.bare"
