"""The conversation benchmark: ordinary player lines to ten personas, judged on what a player meets.

`gameai dialogue-eval --suite conversation [--split dev|test]`. The data (docs in
data/conversation/suite.toml) has a dev split to tune on and a test split that only `load_suite`
reads, and only when asked for it by name. The judges share no word lists with the guards.
"""
from gameai.dialogue.conversation_eval.runner import run_conversation_eval
from gameai.dialogue.conversation_eval.scorecard import ConversationCard, TurnResult
from gameai.dialogue.conversation_eval.suite import SPLITS, Conversation, Suite, SuitePersona, Turn, load_suite

__all__ = ["SPLITS", "Conversation", "ConversationCard", "Suite", "SuitePersona", "Turn", "TurnResult",
           "load_suite", "run_conversation_eval"]
