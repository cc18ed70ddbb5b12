"""The dispute process (矛盾纠纷): the escalation ladder and its channels, the dispute book and
case log, handler queues, and the lifecycle from arising to resolution or abandonment."""
