Feature: Changing trace
  A scenario whose trace differs from run to run, as one whose trace depends on
  goroutine scheduling would: the determinism check must catch it.

  Scenario: steady
    When 2 random numbers are drawn

  Scenario: unsteady
    When 2 random numbers are drawn
    And the trace records something that changes from run to run
    Then the scenario notes "after the change"
