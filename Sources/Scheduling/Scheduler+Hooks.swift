/// The hooks the daemon calls on its own, not on the engine's request: a plugin's timer,
/// and its status-change hooks. They run through the same runner as the engine's units
/// (the call pool or worker processes), each under its unit's `timeout`.
extension Scheduler {
    /// Calls a timer with the inventory's hosts and the plugin's default properties as `args`.
    public func callTimer(_ unit: LoadedUnit, hosts: [Entity]) async -> Result<Void, UnitFailure> {
        let arguments = UnitArguments(hostIDs: hosts.map(\.id), hosts: hosts)
        return await callHook(unit, arguments: arguments, transition: nil)
    }

    /// Calls a status hook with the host or VM as the inventory now describes it.
    public func callStatusHook(_ unit: LoadedUnit, change: StatusChange) async -> Result<Void, UnitFailure> {
        let arguments =
            change.kind == .vms
            ? UnitArguments(hostIDs: [], vmID: change.entity.id, vm: change.entity)
            : UnitArguments(hostIDs: [change.entity.id], hosts: [change.entity])
        return await callHook(unit, arguments: arguments, transition: change.transition)
    }

    private func callHook(_ unit: LoadedUnit, arguments: UnitArguments, transition: StatusTransition?) async -> Result<
        Void, UnitFailure
    > {
        if let quarantined = unit.quarantine.reason {
            return .failure(UnitFailure(message: quarantined))
        }
        let call = PythonUnitCall(
            kind: unit.info.kind, unit: unit.info.name, arguments: arguments, properties: unit.defaults,
            outputLimit: settings.outputLimit, transition: transition)
        let outcome = await runner.run([PlannedUnitCall(call, unit: unit, timeout: unit.timeout)]).first?.outcome
        switch outcome {
        case .success?: return .success(())
        case .failure(let failure)?: return .failure(failure)
        case nil: return .failure(UnitFailure(message: "not run"))
        }
    }
}
