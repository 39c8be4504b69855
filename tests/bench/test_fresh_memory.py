from bench.fresh_memory import fill


def test_a_fill_reports_its_time_and_the_pages_it_touched():
    # 64 MB: above glibc's largest heap threshold (32 MB), so always a fresh mapping: 16,384 pages or 32 huge ones
    wall, user, system, faults = fill(64 / 1024)
    assert wall > 0 and user >= 0 and system >= 0
    assert faults >= 32
