Feature: Leaks

  Scenario: a goroutine outlives its scenario
    When a goroutine is left running

  Scenario: the next scenario still runs
    Then a step passes
