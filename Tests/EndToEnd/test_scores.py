"""How cost functions' scores reach the engine: score_report and score_normalization."""
import pytest

from proxy_daemon import FIXTURES, Daemon

SCORE_PLUGINS = ('--plugins', str(FIXTURES / 'score-plugins'), '--plugins-conf', str(FIXTURES / 'plugins-conf'))
HOSTS = ['h1', 'h2', 'h3']


@pytest.fixture
def scores_daemon():
    started = []

    def start(**config):
        running = Daemon(*SCORE_PLUGINS, config=config)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def cost_functions(daemon, weights=(1, 1)):
    return daemon.client().runCostFunctions([['memory_used', weights[0]], ['prefers_h1', weights[1]]], HOSTS, '', {})


def test_summed_raw_scores_are_the_classic_answer_and_kib_drown_the_preference(scores_daemon):
    answer = cost_functions(scores_daemon(), weights=(1, 1000))
    # h1 is preferred a thousandfold and has the most free memory; h2 loses by KiB alone.
    assert answer == {'result_code': 0, 'result': [['h1', 8388608], ['h2', 14681064], ['h3', 12583912]]}


def test_per_unit_answers_each_units_raw_scores_under_its_name_for_the_engine_to_weigh(scores_daemon):
    answer = cost_functions(scores_daemon(score_report='per_unit'), weights=(5, 7))
    assert answer['result_code'] == 0
    assert answer['result'] == [
        ['h1', 8388608, 'memory_used'], ['h2', 14680064, 'memory_used'], ['h3', 12582912, 'memory_used'],
        ['h1', 0, 'prefers_h1'], ['h2', 1, 'prefers_h1'], ['h3', 1, 'prefers_h1']]


def test_minmax_puts_each_unit_on_the_same_scale_before_the_weights(scores_daemon):
    answer = cost_functions(scores_daemon(score_normalization='minmax'), weights=(1, 2))
    # memory_used: h2 (14 GiB) worst 1000, h1 (8 GiB) best 0, h3 (12 GiB) 667; prefers_h1 x2: 0, 2000, 2000.
    assert answer == {'result_code': 0, 'result': [['h1', 0], ['h2', 3000], ['h3', 2667]]}


def test_rank_counts_only_the_order_of_each_units_scores(scores_daemon):
    answer = cost_functions(scores_daemon(score_normalization='rank'), weights=(1, 3))
    # memory_used ranks: h1 0, h2 2, h3 1; prefers_h1 ranks x3: 0, 3, 3.
    assert answer == {'result_code': 0, 'result': [['h1', 0], ['h2', 5], ['h3', 4]]}


def test_a_score_mode_that_does_not_exist_stops_the_daemon_with_the_choices(tmp_path):
    from proxy_daemon import serve_expecting_failure
    result = serve_expecting_failure(*SCORE_PLUGINS, config={'score_normalization': 'zscore'},
                                     config_folder=tmp_path)
    assert result.returncode == 1
    assert "score_normalization must be one of none, minmax, rank, got 'zscore'" in result.stderr


def test_the_readmes_rank_example_gives_distinct_costs_that_do_not_saturate(daemon):
    """SCHED_RANK = max_scheduling_memory ranks in bytes: costs used to clamp to 2^31 - 1 and tie."""
    gib = 2**30
    hosts = '<hosts>%s</hosts>' % ''.join(
        '<host id="%s"><name>%s</name><max_scheduling_memory>%d</max_scheduling_memory></host>' % (name, name, size)
        for name, size in (('small', 16 * gib), ('medium', 64 * gib), ('large', 256 * gib)))
    answer = daemon.client().runCostFunctions([['rank', 1]], [hosts], '', {'SCHED_RANK': 'max_scheduling_memory'})
    assert answer == {'result_code': 0, 'result': [['small', 1000], ['medium', 800], ['large', 0]]}
