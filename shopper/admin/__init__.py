"""The back office: clients, regions, locations, users, questionnaires, assignments."""
