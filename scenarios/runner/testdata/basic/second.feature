Feature: Second feature

  Scenario: random numbers
    When 3 random numbers are drawn

  @smoke
  Scenario: smoke
    Then a step passes
