"""The 92-byte axis status record (azimuth, elevation, cable wrap), with DISCOS's offsets and types.

Positions are integer microdegrees, velocities microdegrees/s. The command-status blocks report the
last mode command received (counter, mode, answer 0/4/5/9), the last executed (answer 0-3: none,
done, active, error) and the last parameter command (answer 0/1/4/5).
"""

from __future__ import annotations

from simulators.acu.fields import BitList, Bool, Int, Record, UInt, Word, add_flags
from simulators.acu.records import MotorStatus


class AxisRecord(Record):
    size = 92
    simulation = Bool(0)
    axis_ready = Bool(1)
    confOk = Bool(2)
    initOk = Bool(3)
    override = Bool(4)
    low_power_mode = Bool(5)
    warnings = Word(6)
    errors = Word(10)
    axis_state = UInt(14, 2, range(4))  # 0 inactive ... 3 active
    axis_trajectory_state = UInt(16, 2, (0, 1, 2, 3, 4, 6, 7))  # 3 stopped, 4 slewing, 6 presetting, 7 tracking
    p_Soll = Int(18)
    p_Bahn = Int(22)
    p_Ist = Int(26)
    p_AbwFil = Int(30)
    v_Soll = Int(34)
    v_Bahn = Int(38)
    v_Ist = Int(42)
    a_Bahn = Int(46)
    p_Offset = Int(50)
    motor_selection = BitList(54)
    brakes_open = BitList(56)
    power_module_ok = BitList(58)
    stowed = Bool(60)
    stowPosOk = Bool(61)
    stow_pin_in = BitList(62)
    stow_pin_out = BitList(64)
    stow_pin_selection = BitList(66)
    received_mode_command_counter = UInt(68, 4)
    received_mode_command = UInt(72, 2)
    received_mode_command_answer = UInt(74, 2, (0, 4, 5, 9))
    executed_mode_command_counter = UInt(76, 4)
    executed_mode_command = UInt(80, 2)
    executed_mode_command_answer = UInt(82, 2, (0, 1, 2, 3))
    parameter_command_counter = UInt(84, 4)
    parameter_command = UInt(88, 2)
    parameter_command_answer = UInt(90, 2, (0, 1, 4, 5))

    @property
    def mode_command_status(self) -> bytearray:
        return self.status[68:84]

    @property
    def received_mode_command_status(self) -> bytearray:
        return self.status[68:76]

    @property
    def executed_mode_command_status(self) -> bytearray:
        return self.status[76:84]

    @property
    def parameter_command_status(self) -> bytearray:
        return self.status[84:92]

    def __init__(self, n_motors: int = 1) -> None:
        super().__init__()
        self.min_pos: float = -(2**31) - 1
        self.max_pos: float = 2**31 - 2
        self.motor_status = [MotorStatus() for _ in range(n_motors)]
        self.axis_ready = self.confOk = self.initOk = True
        self.motor_selection = self.power_module_ok = self.motors_on()
        self.ptState = 0  # the pointing subsystem's program-track state, copied here
        self.pt_command_id: int | None = None
        self.program_track_active = False

    def motors_on(self) -> list[bool]:
        """True for each of this axis's motors, False for the other bits of a 16-bit word."""
        n = len(self.motor_status)
        return [True] * n + [False] * (16 - n)


add_flags(
    AxisRecord,
    AxisRecord.warnings,
    "Param_Fault Rate_Mode Safety_Chain Wrong_Sys_State Temp_Enc - Power_Brakes Power_Servo Fan_Fault "
    "Servo_DC_Off Motor_Temp_Warn Servo_DC_Warn M_Max_Exceeded Pos_Enc_Fault - Em_Limit_Dn Em_Limit_Up "
    "Degraded_Mode Override_Act Pre_Limit_Up Pre_Limit_Dn Fin_Limit_Up Fin_Limit_Dn Rate_Limit Stow_Fault "
    "Stowpins_Extracted Low_Power_Act - - LimDn_inconsist LimUp_inconsist",
)
ERROR_FLAGS = (
    "Error_Active System_fault Em_Stop Em_Limit_Dn_Act Em_Limit_Up_Act - Brake_Error Power_Error Servo_Error "
    "Servo_Timeout - v_Motor_Exceed Servo_Overload Pos_Enc_Error Pos_Enc_Step p_Range_Exceed p_Dev_Exceed "
    "Servo_DC_Error Override_Error Cmd_Timeout - - Rate_Loop_Err v_Dev_Exceed Stow_Error Stow_Timeout "
    "Extern_Error Safety_Dev_Error - Com_Error Pre_Limit_Err Fin_Limit_Err"
)
add_flags(AxisRecord, AxisRecord.errors, ERROR_FLAGS)
