"""On-device reference engines the apps mirror: the streaming profile state, the trigger engine and
(later) the decision policy. Kotlin (finlite-core) and Swift (FinliteKit) implement the same behaviour,
pinned by the golden files under tests/golden/."""
