Feature: Deadlocks

  Scenario: a step waits for something that never happens
    When the scenario waits for nothing

  Scenario: the next scenario still runs
    Then a step passes
