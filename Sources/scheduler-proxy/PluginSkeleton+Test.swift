extension PluginSkeleton {
    /// tests/test_NAME.py: the skeleton's rule, its property and its failures, through the daemon.
    var test: String {
        let property = "\(name)_\(kind == .filter ? "reserve_mb" : "max_vms")"
        let cases: String
        switch kind {
        case .filter:
            cases = """
                def test_keeps_the_hosts_with_room_for_the_vm(proxy, cluster):
                    cluster.host('roomy', max_scheduling_memory='8G')
                    cluster.host('full', max_scheduling_memory='1G')
                    vm = cluster.vm('web', memory='2G')
                    answer = proxy.run_filters(['\(name)'], cluster.hosts, vm)
                    assert answer.plugin_errors == {}
                    assert cluster.names(answer.result) == ['roomy']


                def test_the_reserve_asks_for_more_room(proxy, cluster):
                    cluster.host('roomy', max_scheduling_memory='8G')
                    cluster.host('tight', max_scheduling_memory='3G')
                    vm = cluster.vm('web', memory='2G')
                    answer = proxy.run_filters(['\(name)'], cluster.hosts, vm, {'\(property)': '2048'})
                    assert cluster.names(answer.result) == ['roomy']


                def test_a_reserve_that_is_not_a_number_is_refused_before_the_call(proxy, cluster):
                    answer = proxy.run_filters(['\(name)'], [cluster.host('h1')], cluster.vm('web'), {'\(property)': 'lots'})
                    assert answer.plugin_errors == {'\(name)': ["property '\(property)' is 'lots', which does not match '[0-9]+'"]}


                def test_plain_host_ids_fail_with_a_message_saying_what_is_needed(proxy):
                    answer = proxy.run_filters(['\(name)'], ['h1', 'h2'], 'vm-1')
                    assert answer.plugin_errors['\(name)'][0].startswith('\(name): got host ids without details')
                """
        case .score:
            cases = """
                def test_hosts_running_fewer_vms_cost_less(proxy, cluster):
                    busy = cluster.host('busy', vms=7)
                    quiet = cluster.host('quiet', vms=2)
                    answer = proxy.run_cost_functions(['\(name)'], cluster.hosts, cluster.vm('web'))
                    assert answer.plugin_errors == {}
                    assert answer.costs == {busy.id: 7, quiet.id: 2}
                    assert answer.best == quiet.id


                def test_hosts_at_the_limit_cost_1000_times_the_weight(proxy, cluster):
                    full = cluster.host('full', vms=5)
                    quiet = cluster.host('quiet', vms=4)
                    answer = proxy.run_cost_functions({'\(name)': 2}, cluster.hosts, cluster.vm('web'), {'\(property)': '5'})
                    assert answer.costs == {full.id: 2000, quiet.id: 8}


                def test_a_limit_that_is_not_a_number_is_refused_before_the_call(proxy, cluster):
                    answer = proxy.run_cost_functions(['\(name)'], [cluster.host('h1')], cluster.vm('web'), {'\(property)': 'x'})
                    assert answer.plugin_errors == {'\(name)': ["property '\(property)' is 'x', which does not match '[0-9]+'"]}


                def test_plain_host_ids_fail_with_a_message_saying_what_is_needed(proxy):
                    answer = proxy.run_cost_functions(['\(name)'], ['h1', 'h2'], 'vm-1')
                    assert answer.plugin_errors['\(name)'][0].startswith('\(name): got host ids without details')
                """
        case .balance:
            cases = """
                def test_nothing_moves_while_every_host_is_below_the_limit(proxy, cluster):
                    cluster.host('a', vms=4)
                    cluster.host('b', vms=1)
                    answer = proxy.run_load_balancing('\(name)', cluster.hosts, {'\(property)': '5'})
                    assert answer.plugin_errors == {}
                    assert answer.migration is None


                def test_a_busy_host_gives_up_nothing_until_vms_on_asks_the_engine(proxy, cluster):
                    # Once vms_on() lists the busy host's VMs, expect
                    # answer.migration == (the first VM's id, [cluster['quiet'].id]).
                    cluster.host('busy', vms=9)
                    cluster.host('quiet', vms=1)
                    cluster.host('down', vms=0, status='maintenance')
                    answer = proxy.run_load_balancing('\(name)', cluster.hosts, {'\(property)': '5'})
                    assert answer.plugin_errors == {}
                    assert answer.migration is None


                def test_a_limit_that_is_not_a_number_is_refused_before_the_call(proxy, cluster):
                    answer = proxy.run_load_balancing('\(name)', [cluster.host('h1')], {'\(property)': 'x'})
                    assert answer.plugin_errors == {'\(name)': ["property '\(property)' is 'x', which does not match '[0-9]+'"]}


                def test_plain_host_ids_fail_with_a_message_saying_what_is_needed(proxy):
                    answer = proxy.run_load_balancing('\(name)', ['h1', 'h2'])
                    assert answer.plugin_errors['\(name)'][0].startswith('\(name): got host ids without details')
                """
        }
        return """
            \"\"\"Tests of \(name), run in scheduler-proxy as the engine runs it.

            They need the plugin kit (`pip install ./plugin_kit` from a scheduler-proxy checkout) and
            a pytest.ini naming the plugin folder (scheduler_proxy_plugins); run `pytest` there. The
            `cluster` fixture builds hosts and VMs like the engine's, which the daemon started by
            `proxy` reads as its inventory: the unit gets them as entities, from their ids.
            \"\"\"


            \(cases)
            """
    }

    /// pytest.ini for a plugin folder that has none: the kit serves the folder it is in.
    static let pytestINI = """
        # The plugin kit's settings (see the plugin author's guide): the folder the daemon serves.
        [pytest]
        scheduler_proxy_plugins = .
        testpaths = tests

        """
}
