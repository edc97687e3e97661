"""Named pass/fail checks for the integration test scripts: one line per check, the failures
collected for the closing summary and the exit status. Python 3 stdlib only."""


class Checks:
    def __init__(self, always_detail=False):
        self.failures = []
        self.always_detail = always_detail  # print the detail of passing checks too

    def __call__(self, name, condition, detail=""):
        shown = detail and (self.always_detail or not condition)
        print(f"{'ok  ' if condition else 'FAIL'} {name}" + (f": {detail}" if shown else ""),
              flush=True)
        if not condition:
            self.failures.append(name)
        return condition

    def summary(self, suffix=""):
        """Prints `N failure(s)` and returns the exit status (0 or 1)."""
        print(f"{len(self.failures)} failure(s){suffix}")
        return 1 if self.failures else 0
