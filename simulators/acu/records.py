"""The ACU's fixed status records: general status (25 bytes), motor status (27), facility status (16).

Offsets, types and defaults are DISCOS's (its ``general_status``, ``motor_status`` and
``facility_status`` modules). Flags are bit *i* of their little-endian word, also when read back
(DISCOS reads the two general-status interlock words in another bit order than it writes them, so that
setting a second flag there clears or moves the first; not here).
"""

from __future__ import annotations

from typing import Any

from simulators.acu.fields import BitList, Bool, Field, Real, Record, UInt, Word, add_flags


class Version(Field):
    """UINT16: (major, minor), minor in the first byte."""

    width = 2

    def decode(self, raw: bytes) -> tuple[int, int]:
        return raw[1], raw[0]

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, tuple) or len(value) != 2 or not all(isinstance(v, int) for v in value):
            raise ValueError("Provide a tuple containing (major, minor)!")
        major, minor = value
        return bytes([minor & 0xFF, major & 0xFF])


class GeneralStatus(Record):
    """Firmware version, who controls the ACU, interlocks, human-machine interfaces."""

    size = 25
    version = Version(0)
    master = UInt(2, 1, range(6))  # 2: host computer (remote)
    status_HMI = BitList(3, 2, bits=(0, 1, 2, 4, 5, 6))  # LCP, remote, HBG connected; their init OK
    software_IO = Bool(5)
    simulation = Bool(6)
    control_system_on = Bool(7)
    service = Bool(8)
    HW_interlock = Word(9)
    SW_interlock = Word(13)
    diag_signal = Real(17)

    def __init__(self) -> None:
        super().__init__()
        self.version = (1, 0)
        self.master = 2
        self.status_HMI = [False, True, False, False, True, False]


add_flags(
    GeneralStatus,
    GeneralStatus.HW_interlock,
    "EStop_Device ES_SP ES_Drive_AZ1_2 ES_Drive_AZ3_4 ES_Drive_AZ5_6 ES_Drive_AZ7_8 ES_Drive_EL1_2 "
    "ES_Drive_EL3_4 ES_LCP ES_Cablewrap ES_AER1 ES_AER2 ES_HHP ES_PCP ES_EER ES_EER_Key ES_EER_Door "
    "ES_BOX_10 ES_SFR_1 ES_SFR_2",
)
add_flags(
    GeneralStatus,
    GeneralStatus.SW_interlock,
    "Control_System_Off Power_Control_Sys Power_Drive_Cab Power_Supply_DC - Fieldbus_Error Interlock_Cmd "
    "SaDev_ES_FbErr SaDev_ES_CommErr SaDev_ES_OutErr SaDev_MD_FbErr SaDev_MD_CommErr SaDev_MD_OutErr "
    "Emergency_Stop - Power_UPS Power_UPS_Alarm ACU_DI_Power ECU_DI_Power Power_DO_Int Main_Power "
    "Overvoltage_Prot Temp_Error_Rack",
)


class MotorStatus(Record):
    """One drive motor: position, velocity, torque, utilization, state bits, warnings."""

    size = 27
    actual_position = Real(0, 4)
    actual_velocity = Real(4, 4)
    actual_torque = Real(8, 4)
    rate_of_utilization = Real(12, 4)
    active = UInt(16, 1, range(2))
    speed_of_rotation = UInt(17, 1, range(2))
    speed_of_rotation_OK = UInt(18, 1, range(2))
    position = UInt(19, 1, range(2))
    bus = UInt(20, 1, range(2))
    servo = UInt(21, 1, range(2))
    sensor = UInt(22, 1, range(2))
    motWarnCode = Word(23)

    def __init__(self) -> None:
        super().__init__()
        self.active = 1
        self.speed_of_rotation_OK = 1


add_flags(
    MotorStatus,
    MotorStatus.motWarnCode,
    "wa_iQuad_t wa_Temp_Amplifier wa_Temp_Mot wa_v_Max_Exceeded wa_M_Max_Exceeded wa_Mot_Overload "
    "wa_Temp_Cooling wa_Temp_Extern wa_Temp_Pow_Supply wa_Temp_ERM_Module wa_U_Max wa_U_Min "
    "wa_Intermed_Circ_Voltage wa_Wrong_Mode wa_err_cmd_M wa_err_sts_SBM wa_err_sts_EF wa_err_sts_RF",
)


class FacilityStatus(Record):
    """Mains voltage and current (phase to phase)."""

    size = 16
    voltagePhToPh = Real(0)
    currentPhToPh = Real(8)
