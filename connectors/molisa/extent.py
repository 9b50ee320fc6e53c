"""MOLISA's ``CertificateExtentData``: the filed documents and the result documents as
XML inside the DongBoDVC body. Pure functions, no I/O."""

from __future__ import annotations

from lxml import etree

from hub.sdk import ContractError, Dossier, message

__all__ = ["build_extent_data", "parse_extent_data"]

SYSTEM = "molisa"


def _flag(value: bool | None, default: str) -> str:
    """An attachment flag as MOLISA's "1"/"0"; unknown (None) keeps the usual value."""
    return default if value is None else ("1" if value else "0")


def _sub(parent: etree._Element, tag: str, text: str | None) -> None:
    etree.SubElement(parent, tag).text = text or None


def build_extent_data(dossier: Dossier) -> str:
    """The CertificateExtentData XML: the filed documents and the result documents."""
    root = etree.Element("ExtentData")
    filed = etree.SubElement(root, "DanhSachTaiLieuNop")
    for item in dossier.thanh_phan:
        node = etree.SubElement(filed, "TaiLieuNop")
        _sub(node, "TepDinhKemId", item.sha256)
        _sub(node, "TenTepDinhKem", item.ten_tep or item.ten_thanh_phan)
        _sub(node, "IsDeleted", "0")
        _sub(node, "MaThanhPhanHoSo", item.ma_thanh_phan)
        _sub(node, "DuongDanTaiTepTin", item.file_ref)
        _sub(node, "DuocSoHoa", _flag(item.duoc_so_hoa, "1"))
        _sub(node, "DuocTaiSuDung", _flag(item.duoc_tai_su_dung, "0"))
        # "Lấy giấy tờ từ kho": the document came from the citizen's store (DMQG).
        _sub(node, "DuocLayTuKhoDMQG", _flag(item.duoc_lay_tu_kho_dmqg, "0"))
        _sub(node, "MaKetQuaThayThe", None)
    results = etree.SubElement(root, "DanhSachGiayToKetQua")
    ket_qua = dossier.ket_qua
    for item in ket_qua.files if ket_qua else []:
        node = etree.SubElement(results, "GiayToKetQua")
        _sub(node, "TenGiayTo", item.ten_thanh_phan)
        _sub(node, "MaThanhPhanHoSo", item.ma_thanh_phan)
        _sub(node, "GiayToId", item.sha256)
        _sub(node, "DuongDanTepTinKetQua", item.file_ref)
        _sub(node, "MaGiayToKetQua", ket_qua.so if ket_qua else None)
    return str(etree.tostring(root, encoding="unicode"))


def parse_extent_data(xml: str) -> dict[str, list[dict[str, str]]]:
    """The two lists of a CertificateExtentData, each item as {tag: text}."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        raise ContractError(
            message("contract.xml_broken", what="CertificateExtentData"), system=SYSTEM
        ) from None
    out: dict[str, list[dict[str, str]]] = {}
    for list_tag, item_tag in (
        ("DanhSachTaiLieuNop", "TaiLieuNop"),
        ("DanhSachGiayToKetQua", "GiayToKetQua"),
    ):
        out[list_tag] = [
            {child.tag: child.text or "" for child in item}
            for item in root.iterfind(f"{list_tag}/{item_tag}")
        ]
    return out
