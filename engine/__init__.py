"""The matching engine: canonical records in, matches and discrepancies out.

Pure: pandas, numpy and rapidfuzz only; no Temporal, SQL or HTTP.

```python
from engine import EngineConfig, build_frames, match, compare
frames = build_frames(records)
outcome = match(frames, window, EngineConfig(), identity={})
findings = compare(frames, outcome, window, EngineConfig())
```
"""

from engine.compare import compare
from engine.config import EngineConfig
from engine.frames import Frames, build_frames
from engine.match import match
from engine.outcome import CustomerCluster, MatchOutcome
from engine.rules import load_rules

__all__ = [
    "CustomerCluster",
    "EngineConfig",
    "Frames",
    "MatchOutcome",
    "build_frames",
    "compare",
    "load_rules",
    "match",
]
