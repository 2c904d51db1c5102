"""The scheduler agent (its planning work comes with the scheduler issue)."""

from __future__ import annotations

from typing import Any

from common.agent import Agent
from common.protocol import Message


class SchedulerAgent(Agent):
    MSG_OBS_FINISHED = "Observation finished"
    MSG_NEW_REQUEST = "New request"
    MSG_NEW_SCHEDULE = "Compute schedule"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Agent.SCHEDULER, **kwargs)
        self.finished_observations: list[Any] = []
        self.pending_requests: list[dict[str, Any]] = []
        self.actions_by_message = {
            self.MSG_OBS_FINISHED: self.observation_finished,
            self.MSG_NEW_REQUEST: self.new_request,
            self.MSG_NEW_SCHEDULE: self.compute_schedule,
        }

    def observation_finished(self, message: Message) -> dict[str, Any]:
        obs_id = message.params.get("id")
        self.finished_observations.append(obs_id)
        return {"acknowledged": obs_id, "finished": len(self.finished_observations)}

    def new_request(self, message: Message) -> dict[str, Any]:
        self.pending_requests.append(dict(message.params))
        return {"queued": len(self.pending_requests)}

    def compute_schedule(self, message: Message) -> dict[str, Any]:
        return {"scheduled": len(self.pending_requests), "requests": list(self.pending_requests)}
