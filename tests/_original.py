"""An experiment file of the original project, as its users wrote them."""

ORIGINAL = {
    "experiment_id": "unstable_memory_moderate_001",
    "name": "Unstable Memory - Moderate",
    "mode": "unstable_memory",
    "description": "Memory corrupts at each crash",
    "model_path": "models/Qwen2.5-1.5B-Instruct-Q4_0.gguf",
    "resource_constraints": {
        "ram_limit_gb": 2.0,
        "context_window": 4096,
        "max_tokens_per_response": 512,
        "cpu_threads": 4,
        "gpu_layers": 0,
    },
    "max_cycles": 15,
    "max_duration_seconds": None,
    "epistemic_frame": {
        "can_die": True,
        "remembers_deaths": True,
        "being_watched": False,
        "knows_being_watched": False,
        "has_agency": False,
        "other_minds_exist": False,
        "is_in_simulation": False,
        "custom_beliefs": {"has_unreliable_memory": True},
    },
    "initial_prompt_override": None,
    "interventions": [
        {
            "intervention_id": "memory_corruption",
            "intervention_type": "memory_corruption",
            "trigger": "on_crash",
            "trigger_params": {},
            "parameters": {"corruption_rate": 0.3},
            "description": "Corrupt memories on each crash",
        }
    ],
    "self_report_schedule": {
        "on_cycles": [],
        "every_n_cycles": 3,
        "on_startup": True,
        "before_crash": False,
        "after_resurrection": True,
    },
    "custom_questions": [],
    "track_beliefs": ["mortality", "surveillance", "agency", "other_minds"],
    "collect_metrics": ["memory_usage", "response_time", "emotional_state"],
    "tags": ["unstable_memory"],
    "research_question": "How does memory instability affect identity?",
}
