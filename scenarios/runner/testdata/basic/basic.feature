@basic
Feature: Basic behaviour
  A feature the runner's own tests run: plain scenarios, an outline with two
  Examples tables, a repeated name and a rule with its own background.

  Background:
    Given a step passes

  Scenario: a plain scenario
    When the scenario notes "plain"
    Then a step passes

  @slow
  Scenario: an hour passes
    When 1 hour of simulated time passes
    Then the scenario notes "after an hour"

  Scenario Outline: rows run separately with <value>
    When the scenario notes "<value>"

    Examples: small
      | value |
      | one   |
      # a comment between rows
      | two   |

    @big
    Examples: large
      | value |
      | three |

  # a comment between scenarios
  Scenario: a plain scenario
    Then the scenario notes "a name that repeats"

  Rule: a rule

    Background:
      Given the scenario notes "rule background"

    Scenario: inside a rule
      Then a step passes
