"""Every versioned format finlite writes, defined once. A reader refuses a version it does not know."""

BUNDLE = "finlite.bundle/1"  # manifest.json
PREPROCESS = "finlite.preprocess/1"  # preprocess.json: the task's input spec(s)
GOLDEN = "finlite.golden/1"  # golden.json: raw inputs → model inputs → expected outputs
TEXT = "finlite.text/1"  # hashed text features (docs/preprocessing.md)
PROFILE = "finlite.profile/2"  # event-sequence features (docs/preprocessing.md)
SCHEMA = "finlite.schema/1"  # a bank's event / attribute / label columns and vocabularies (docs/schema.md)
BENCH = "finlite.bench/1"  # benchmark result documents (docs/benchmarks.md)
SYNTH_PROFILE = "finlite.synth_profile/1"  # the synthetic population generator's version
PRETRAINED = "finlite.pretrained/1"  # pretrain.json: a self-supervised sequence encoder (finlite pretrain profile)
STATE = "finlite.state/1"  # a streaming profile state persisted by the app (docs/state.md)
TRIGGERS = "finlite.triggers/1"  # a trigger spec: event patterns, timers, model conditions (docs/triggers.md)
TRIGGER_STATE = "finlite.trigger_state/1"  # a trigger engine's persisted state (docs/triggers.md)
POLICY = "finlite.policy/1"  # an offer policy: eligibility, suitability, ranking, caps, experiments (docs/policy.md)
TRIGGER_SCENARIO = "finlite.trigger_scenario/1"  # a golden trigger scenario (tests/golden/triggers/)
