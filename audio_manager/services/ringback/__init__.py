"""Ringback tones: carriers, releases and their packages, phones, installs (rows, batches,
imports), their reports and exports. May import: the kernel, every other services package, models,
``production``."""
