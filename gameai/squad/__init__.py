"""The squad that judges orders (teaching mode): rollout verdicts (``agents.order_judge``) spoken in
character through the dialogue engine (``gameai.squad.voice``).

``gameai.squad.voice`` takes the judgement as plain facts, so it needs neither envs nor agents;
``gameai.squad.teach`` wires the two together for a game that has both.
"""
