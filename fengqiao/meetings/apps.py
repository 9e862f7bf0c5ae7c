from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "fengqiao.meetings"
    verbose_name = "联席会议"

    def ready(self):
        from fengqiao.cases.actions import CLOSE_GATES
        from fengqiao.cases.sweep import register_sweeper

        from .actions import open_tasks_gate
        from .sweep import flag_overdue_tasks

        if open_tasks_gate not in CLOSE_GATES:
            CLOSE_GATES.append(open_tasks_gate)
        register_sweeper("meeting_tasks", flag_overdue_tasks)
