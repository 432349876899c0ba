"""Calibration against the public record (CALIBRATION.md): targets, check and fit."""

from healthsim.calibration.targets import TARGETS, Target, calibration_stats

__all__ = ["TARGETS", "Target", "calibration_stats"]
