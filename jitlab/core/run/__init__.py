"""Running a session: the conductor (runner states and schedules), the watchdog, the exit status."""
