"""The processing stage: one module per step, from a raw item to a routed case."""

from yuqing.config.loader import REPO_CONFIG, Section, register_section

for _s in (
    Section("readings", "readings.yaml", "pipeline.readings_config:ReadingsConfig", False,
            "how counts, casualties, negations, refutations, rumours and special groups are read",
            REPO_CONFIG / "readings.yaml"),
    Section("places", "places.yaml", "pipeline.places:PlacesConfig", False,
            "places of other districts and cities, look-alike contexts", REPO_CONFIG / "places.yaml"),
    Section("categories", "categories.yaml", "pipeline.category:CategoriesConfig", False,
            "cue words of each category", REPO_CONFIG / "categories.yaml"),
):
    register_section(_s)
