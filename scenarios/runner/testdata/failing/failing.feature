Feature: Failing behaviour

  Scenario: passes
    Then a step passes

  Scenario: fails after drawing random numbers
    When 3 random numbers are drawn
    And 2 hours of simulated time pass
    Then the scenario fails

  Scenario: has an undefined step
    When a step pases

  Scenario: has a pending step
    When a step is pending

  Scenario Outline: outline <n>
    Then the scenario notes "<n>"

    Examples:
      | n |
      | a |
      | b |
